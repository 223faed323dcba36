import type { ContentBlock } from '@tapes/llm';
import { asArray, asRecord, asString, isRecord, without, type JsonRecord } from '../../json';
import { customToolCallBlock, functionCallBlock, type ToolArgumentsProblem } from '../openai/tool-call-arguments';

/**
 * Responses API items → content blocks. One mapping serves a response's `output`, the items
 * assembled from a stream, and the items of a request's `input`, so a streamed turn, its one-shot
 * form and its replay in the next request all produce the same blocks (and hashes).
 * https://platform.openai.com/docs/api-reference/responses/object
 *
 * | item | block |
 * |---|---|
 * | `message` | its content parts: `output_text`/`input_text` → `text` (annotations → `citations`), `refusal` → `{type: "refusal", text}`, `input_image` → `image`, others → `{type, data}` |
 * | `function_call` | `tool_use` {`tool_use_id`: `call_id`, `tool_name`, `tool_input`}; arguments that are not a JSON object stay raw in `data.arguments` and are reported |
 * | `custom_tool_call` | `{type: "custom_tool_call", tool_use_id: call_id, tool_name, data: {input}}`: freeform input is not JSON |
 * | `reasoning` | `thinking`: see {@link reasoningBlock} |
 * | anything else (`web_search_call`, `local_shell_call`, `mcp_call`, …) | `{type: item.type, data: <the item minus type>}` |
 */
export function outputItemBlocks(item: JsonRecord, onProblem?: (problem: ToolArgumentsProblem) => void): ContentBlock[] {
  const type = asString(item['type']) ?? '';
  switch (type) {
    case 'message':
      return messageContentBlocks(item['content']);
    case 'function_call':
      return [functionCallBlock({ id: asString(item['call_id']), name: asString(item['name']), arguments: asString(item['arguments']) ?? '' }, onProblem)];
    case 'custom_tool_call':
      return [customToolCallBlock({ id: asString(item['call_id']), name: asString(item['name']), input: asString(item['input']) ?? '' })];
    case 'reasoning':
      return [reasoningBlock(item)];
    default:
      return [genericBlock(type, item)];
  }
}

/** A message's `content`: a string is one text block, an array is mapped part by part. */
export function messageContentBlocks(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const blocks: ContentBlock[] = [];
  for (const part of asArray(content)) if (isRecord(part)) blocks.push(contentPartBlock(part));
  return blocks;
}

/**
 * A reasoning item as one `thinking` block. `thinking` is the summary (`summary_text` parts,
 * joined with a blank line as ChatGPT shows them) — what OpenAI's hosted models expose — or, when
 * there is no summary, the raw `reasoning_text` content open-weight servers send. When both are
 * present the raw text is kept in `data.reasoning_text`. `encrypted_content` is the signature: the
 * opaque token a client must send back to continue the reasoning, like Anthropic's. A reasoning
 * item with neither text nor signature (the usual case when no summary was asked for) is still a
 * block: it records that the model reasoned, and its replay hashes alike.
 */
export function reasoningBlock(item: JsonRecord): ContentBlock {
  const summary = partTexts(item['summary']);
  const reasoning = partTexts(item['content']);
  const block: ContentBlock = { type: 'thinking' };
  const thinking = (summary.length > 0 ? summary : reasoning).join('\n\n');
  if (thinking) block.thinking = thinking;
  const signature = asString(item['encrypted_content']);
  if (signature) block.thinking_signature = signature;
  if (summary.length > 0 && reasoning.length > 0) block.data = { reasoning_text: reasoning.join('\n\n') };
  return block;
}

/** Any item or part without a first-class mapping: its type, and everything else as data. */
export function genericBlock(type: string, record: JsonRecord): ContentBlock {
  const block: ContentBlock = { type };
  const data = without(record, ['type']);
  if (data) block.data = data;
  return block;
}

function contentPartBlock(part: JsonRecord): ContentBlock {
  const type = asString(part['type']) ?? '';
  switch (type) {
    case 'output_text':
    case 'input_text':
    case 'text': {
      const block: ContentBlock = { type: 'text', text: asString(part['text']) ?? '' };
      const annotations = asArray(part['annotations']);
      if (annotations.length > 0) block.citations = annotations;
      return block;
    }
    case 'refusal':
      return { type: 'refusal', text: asString(part['refusal']) ?? '' };
    case 'input_image': {
      const url = asString(part['image_url']);
      const fileId = asString(part['file_id']);
      const block: ContentBlock = { type: 'image' };
      if (url) block.image_url = url;
      if (fileId) block.data = { file_id: fileId };
      return block;
    }
    default:
      return genericBlock(type, part);
  }
}

function partTexts(parts: unknown): string[] {
  const texts: string[] = [];
  for (const part of asArray(parts)) {
    const text = asString(asRecord(part)?.['text']);
    if (text) texts.push(text);
  }
  return texts;
}
