import type { ContentBlock } from '@tapes/llm';
import { asRecord, asString, isRecord, without } from '../../json';
import type { WireMessage, WireToolCall } from './wire';
import { customToolCallBlock, functionCallBlock, type ToolArgumentsProblem } from '../openai/tool-call-arguments';

/**
 * The content blocks of a Chat Completions message. One mapping serves the one-shot response, the
 * message assembled from a stream and the messages of a request, so the three agree by
 * construction (stream ≡ one-shot, and a response ≡ its replay in the next request).
 *
 * Order: reasoning (`thinking`), then `content`, then `refusal`, then the tool calls in their
 * order, then a legacy `function_call` — the order in which a model produces them.
 *
 * Where tapes #192 defines the mapping it is kept (ref §3.2): a string `content` — even `""` —
 * is one text block, `null` is no block, `image_url` parts become `image` blocks with the URL
 * (its `detail` is not kept, so the hash stays Go's), tool calls become `tool_use` blocks. Beyond
 * it: refusals (`{type: "refusal", text}`), reasoning from compatible servers, freeform tool calls,
 * calls whose arguments are not an object (kept, raw text in `data.arguments`, reported through
 * `onProblem`), and other parts (`input_audio`, `file`, …) kept as `{type, data}`.
 *
 * Not mapped: a response's `annotations` (web-search citations) and `audio`. Clients replay an
 * assistant message without them, so keeping them would split the response node from its replay;
 * the raw response bytes keep them.
 */
export function chatMessageBlocks(message: WireMessage, onProblem?: (problem: ToolArgumentsProblem) => void): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  // An empty reasoning string is a placeholder some servers send on every chunk, not content.
  if (message.reasoning) blocks.push({ type: 'thinking', thinking: message.reasoning });
  blocks.push(...contentBlocks(message.content));
  if (message.refusal) blocks.push({ type: 'refusal', text: message.refusal });
  for (const call of message.toolCalls) blocks.push(toolCallBlock(call, onProblem));
  if (message.functionCall) blocks.push(toolCallBlock(message.functionCall, onProblem));
  return blocks;
}

/** `content` as blocks: a string is one text block, an array is mapped part by part. */
export function contentBlocks(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: ContentBlock[] = [];
  for (const part of content) {
    const block = contentPartBlock(part);
    if (block) blocks.push(block);
  }
  return blocks;
}

/** The text of a string `content` or of its `text` parts, joined with `"\n"` (a tool's output). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return contentBlocks(content)
    .filter((b) => b.type === 'text')
    .map((b) => b.text ?? '')
    .join('\n');
}

function contentPartBlock(part: unknown): ContentBlock | undefined {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isRecord(part)) return undefined;
  const type = asString(part['type']) ?? '';
  switch (type) {
    case 'text':
      return { type: 'text', text: asString(part['text']) ?? '' };
    case 'image_url': {
      const image = part['image_url'];
      const url = typeof image === 'string' ? image : asString(asRecord(image)?.['url']);
      return url !== undefined ? { type: 'image', image_url: url } : { type: 'image' };
    }
    case 'refusal':
      return { type: 'refusal', text: asString(part['refusal']) ?? '' };
    default: {
      const block: ContentBlock = { type };
      const data = without(part, ['type']);
      if (data) block.data = data;
      return block;
    }
  }
}

function toolCallBlock(call: WireToolCall, onProblem?: (problem: ToolArgumentsProblem) => void): ContentBlock {
  if (call.type === 'custom') return customToolCallBlock({ id: call.id, name: call.name, input: call.input ?? '' });
  return functionCallBlock({ id: call.id, name: call.name, arguments: call.arguments ?? '' }, onProblem);
}
