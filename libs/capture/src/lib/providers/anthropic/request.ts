import type { ChatRequest, ContentBlock, Message } from '@tapes/llm';
import { asArray, asBoolean, asNumber, asString, isRecord, type JsonRecord } from '../../json';
import { RequestParseError } from '../../reducer';
import { contentBlockFromWire } from './content';

/**
 * Parses a Messages API request body (`POST /v1/messages`) into a canonical request.
 *
 * Lenient like tapes' Go parser (ref §3.2): unknown keys are ignored, a missing `messages` is an
 * empty conversation, fields of the wrong type are left out. It throws {@link RequestParseError}
 * only when the document cannot be a Messages request at all: not an object, `messages` not an
 * array, or a message that is not an object (a conversation with a hole cannot be hashed as a
 * chain). Content blocks map through the same function as response blocks, so an assistant reply
 * replayed in the next request hashes as the response node it was.
 */
export function parseAnthropicRequest(document: unknown): ChatRequest {
  if (!isRecord(document)) throw new RequestParseError(`an Anthropic Messages request is a JSON object, not ${describe(document)}`);
  const rawMessages = document['messages'];
  if (rawMessages !== undefined && rawMessages !== null && !Array.isArray(rawMessages)) {
    throw new RequestParseError(`\`messages\` must be an array, not ${describe(rawMessages)}`);
  }
  const messages = asArray(rawMessages).map((message, i) => {
    if (!isRecord(message)) throw new RequestParseError(`messages[${i}] must be an object, not ${describe(message)}`);
    return parseMessage(message);
  });

  const request: ChatRequest = { model: asString(document['model']) ?? '', messages };
  const stream = asBoolean(document['stream']);
  const system = systemPrompt(document['system']);
  const maxTokens = asNumber(document['max_tokens']);
  const temperature = asNumber(document['temperature']);
  const topP = asNumber(document['top_p']);
  const topK = asNumber(document['top_k']);
  const stop = asArray(document['stop_sequences']).filter((s): s is string => typeof s === 'string');
  const extra = requestExtra(document);
  if (stream !== undefined) request.stream = stream;
  if (system) request.system = system;
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (temperature !== undefined) request.temperature = temperature;
  if (topP !== undefined) request.top_p = topP;
  if (topK !== undefined) request.top_k = topK;
  if (stop.length > 0) request.stop = stop;
  if (extra) request.extra = extra;
  return request;
}

function parseMessage(message: JsonRecord): Message {
  return { role: asString(message['role']) ?? '', content: messageContent(message['content']) };
}

/** A string is one text block; an array holds blocks (a bare string in it is text, as the API reads it). */
function messageContent(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', ...(content ? { text: content } : {}) }];
  const blocks: ContentBlock[] = [];
  for (const item of asArray(content)) {
    if (isRecord(item)) blocks.push(contentBlockFromWire(item));
    else if (typeof item === 'string') blocks.push(contentBlockFromWire({ type: 'text', text: item }));
  }
  return blocks;
}

/** `system` as a string, or its text blocks' text joined with "\n" (ref §3.2). */
function systemPrompt(system: unknown): string | undefined {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return undefined;
  const texts = system
    .filter((block): block is JsonRecord => isRecord(block) && block['type'] === 'text')
    .map((block) => asString(block['text']) ?? '')
    .filter((text) => text !== '');
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/**
 * Settings worth keeping beside the conversation (not hashed): how tools may be chosen, the
 * extended-thinking budget, the caller's metadata, and which tools were offered (their names; the
 * full definitions stay in the raw request bytes).
 */
function requestExtra(document: JsonRecord): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  for (const key of ['metadata', 'tool_choice', 'thinking'] as const) {
    if (document[key] !== undefined && document[key] !== null) extra[key] = document[key];
  }
  const toolNames = asArray(document['tools'])
    .map((tool) => (isRecord(tool) ? asString(tool['name']) : undefined))
    .filter((name): name is string => name !== undefined);
  if (toolNames.length > 0) extra['tool_names'] = toolNames;
  return Object.keys(extra).length > 0 ? extra : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
