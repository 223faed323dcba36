import type { ContentBlock } from '@tapes/llm';
import { asArray, asBoolean, asRecord, asString, isRecord, without, type JsonRecord } from '../../json';

/**
 * Maps one complete Anthropic content block (as a one-shot response or a request carries it) to a
 * canonical {@link ContentBlock}. It is the single mapping for all three places blocks come from:
 * a one-shot response, a stream (whose blocks are first reassembled into this same wire form) and
 * the `messages` of a request. Sharing it is what makes a streamed turn hash like its one-shot
 * form, and an assistant reply hash like the same message replayed in the next request: the
 * response node and that request message are then one node of the DAG.
 *
 * Text, tool_use, thinking and base64 images map exactly as tapes #192 did (ref §3.2), so their
 * hashes match nodes captured by Go. Beyond #192 (design §4): citations, request-side thinking,
 * tool results, image URLs, server/MCP tool calls, and the fields of block types without a
 * first-class mapping (kept in `data`).
 */
export function contentBlockFromWire(block: JsonRecord, onBadToolInput: (problem: ToolInputProblem) => void = ignore): ContentBlock {
  const type = asString(block['type']) ?? '';
  switch (type) {
    case 'text':
      return textBlock(block);
    case 'thinking':
      return thinkingBlock(block);
    case 'tool_use':
      return toolUseBlock(type, block, onBadToolInput);
    case 'server_tool_use':
    case 'mcp_tool_use': {
      // Not first-class in #192 (which kept only `type`), so the fields it does not map (an MCP
      // call's `server_name`) are kept rather than dropped.
      const out = toolUseBlock(type, block, onBadToolInput);
      const rest = without(block, TOOL_USE_FIELDS);
      if (rest) out.data = rest;
      return out;
    }
    case 'image':
      return imageBlock(block);
    case 'tool_result':
      return toolResultBlock(block);
    default:
      return opaqueBlock(type, block);
  }
}

/** A tool call whose `input` is not a JSON object: the block keeps no `tool_input`. */
export interface ToolInputProblem {
  tool_use_id: string;
  /** The input as received (for a stream, the concatenated `partial_json` fragments). */
  raw: string;
  error: string;
}

/**
 * Fields that never reach a canonical block. `cache_control` marks where a client wants the
 * prompt cache to end; Claude Code moves that mark to the newest message every turn, so keeping it
 * would give the same message a different hash in each request and break prefix dedup.
 */
const TRANSPORT_FIELDS = ['cache_control'];
const TOOL_USE_FIELDS = ['type', 'id', 'name', 'input', ...TRANSPORT_FIELDS];
const OPAQUE_MAPPED_FIELDS = ['type', 'tool_use_id', ...TRANSPORT_FIELDS];

function textBlock(block: JsonRecord): ContentBlock {
  const out: ContentBlock = { type: 'text' };
  const text = asString(block['text']);
  if (text) out.text = text;
  const citations = asArray(block['citations']);
  if (citations.length > 0) out.citations = citations;
  return out;
}

/**
 * A thinking block. With `display: "omitted"` the thinking text is empty and only the signature
 * arrives; the block is kept all the same, because the signature is what the API needs to accept
 * the conversation again.
 */
function thinkingBlock(block: JsonRecord): ContentBlock {
  const out: ContentBlock = { type: 'thinking' };
  const thinking = asString(block['thinking']);
  const signature = asString(block['signature']);
  if (thinking) out.thinking = thinking;
  if (signature) out.thinking_signature = signature;
  return out;
}

/** `{}` (the placeholder a stream's `content_block_start` carries) means no input, as in #192. */
function toolUseBlock(type: string, block: JsonRecord, onBadToolInput: (problem: ToolInputProblem) => void): ContentBlock {
  const out: ContentBlock = { type };
  const id = asString(block['id']);
  const name = asString(block['name']);
  if (id) out.tool_use_id = id;
  if (name) out.tool_name = name;
  const input = block['input'];
  if (isRecord(input)) {
    if (Object.keys(input).length > 0) out.tool_input = input;
  } else if (input !== undefined && input !== null) {
    onBadToolInput({ tool_use_id: id ?? '', raw: JSON.stringify(input), error: 'tool input is not a JSON object' });
  }
  return out;
}

/** Base64 and URL sources map to fields; any other source (a Files API `file_id`) is kept in `data`. */
function imageBlock(block: JsonRecord): ContentBlock {
  const out: ContentBlock = { type: 'image' };
  const source = asRecord(block['source']);
  const sourceType = asString(source?.['type']);
  if (source && sourceType === 'base64') {
    const data = asString(source['data']);
    const mediaType = asString(source['media_type']);
    if (data) out.image_base64 = data;
    if (mediaType) out.media_type = mediaType;
  } else if (source && sourceType === 'url') {
    const url = asString(source['url']);
    if (url) out.image_url = url;
  } else {
    const rest = without(block, ['type', ...TRANSPORT_FIELDS]);
    if (rest) out.data = rest;
  }
  return out;
}

/**
 * A tool result: string content, or the text parts of an array joined with "\n", becomes
 * `tool_output`; parts that are not text (screenshots, documents) are kept in `data.content`.
 */
function toolResultBlock(block: JsonRecord): ContentBlock {
  const out: ContentBlock = { type: 'tool_result' };
  const toolUseId = asString(block['tool_use_id']);
  if (toolUseId) out.tool_result_id = toolUseId;
  const content = block['content'];
  if (typeof content === 'string') {
    if (content) out.tool_output = content;
  } else {
    const texts: string[] = [];
    const others: unknown[] = [];
    for (const part of asArray(content)) {
      const text = isRecord(part) && part['type'] === 'text' ? asString(part['text']) : undefined;
      if (text !== undefined) texts.push(text);
      else others.push(isRecord(part) ? (without(part, TRANSPORT_FIELDS) ?? {}) : part);
    }
    const output = texts.join('\n');
    if (output) out.tool_output = output;
    if (others.length > 0) out.data = { content: others };
  }
  if (asBoolean(block['is_error']) === true) out.is_error = true;
  return out;
}

/**
 * Any other type (`redacted_thinking`, `web_search_tool_result`, `code_execution_tool_result`,
 * `document`, …): the type verbatim, the call it answers as `tool_result_id`, and every other
 * field in `data` (#192 kept only the type, losing search results and redacted thinking).
 */
function opaqueBlock(type: string, block: JsonRecord): ContentBlock {
  const out: ContentBlock = { type };
  const toolUseId = asString(block['tool_use_id']);
  if (toolUseId) out.tool_result_id = toolUseId;
  const rest = without(block, OPAQUE_MAPPED_FIELDS);
  if (rest) out.data = rest;
  return out;
}

function ignore(): void {
  // The request parser has nowhere to report a bad tool input; the block just keeps none.
}
