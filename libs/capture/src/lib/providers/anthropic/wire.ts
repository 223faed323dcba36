import { asArray, asNumber, asRecord, asString, isRecord, type JsonRecord } from '../../json';

/**
 * The wire shapes of the Anthropic Messages API, kept apart from the state machine so they are
 * easy to compare with the provider's documentation:
 * https://docs.anthropic.com/en/api/messages (one-shot) and
 * https://docs.anthropic.com/en/api/messages-streaming (SSE events).
 *
 * Everything on the wire is untrusted. The decoders below read what is there and never throw; a
 * frame that lacks a field its event needs decodes to {@link InvalidEvent} so the assembler can
 * report it instead of guessing.
 */

/** Token counts as Anthropic reports them (`usage` of a message, of `message_delta`). */
export interface WireTokenCounts {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** `output_tokens_details.thinking_tokens`: the thinking part of `output_tokens` (not added to it). */
  thinking_tokens?: number;
}

/** An `error` event, or the body `{"type":"error","error":{…}}` of a failed request. */
export interface UpstreamError {
  type: string;
  message: string;
}

/** The head of a message: what `message_start` carries and what a one-shot response starts with. */
export interface MessageHead {
  id?: string;
  model?: string;
  role?: string;
  stop_reason?: string;
  stop_sequence?: string;
  usage?: WireTokenCounts;
  /** The content blocks (a one-shot response's; normally none in `message_start`). */
  content: JsonRecord[];
  /** Entries of `content` that were not objects and so are not blocks. */
  skippedContent: number;
}

/** The deltas a `content_block_delta` can carry, by `delta.type`. */
export type BlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; citation: unknown }
  /** A delta type this reducer does not know (or a known one missing its payload). */
  | { type: 'unknown'; wireType: string };

export type StreamEvent =
  | { type: 'message_start'; message: MessageHead }
  | { type: 'content_block_start'; index: number; block: JsonRecord }
  | { type: 'content_block_delta'; index: number; delta: BlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; stop_reason?: string; stop_sequence?: string; usage?: WireTokenCounts }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: UpstreamError };

/** A frame of a known event type whose payload lacks what that event needs. */
export interface InvalidEvent {
  type: 'invalid';
  eventType: string;
  reason: string;
}

/** A frame whose event type this reducer does not know. */
export interface UnknownEvent {
  type: 'unknown';
  eventType: string;
}

export type DecodedEvent = StreamEvent | InvalidEvent | UnknownEvent;

/**
 * Decodes one stream event. `eventType` is the SSE `event:` field when present, else the `type`
 * inside the data (NDJSON lines and SSE without `event:` lines only have the latter).
 */
export function decodeStreamEvent(eventType: string, data: JsonRecord): DecodedEvent {
  switch (eventType) {
    case 'message_start': {
      const message = asRecord(data['message']);
      return message ? { type: 'message_start', message: decodeMessageHead(message) } : invalid(eventType, 'no `message` object');
    }
    case 'content_block_start': {
      const index = blockIndex(data['index']);
      const block = asRecord(data['content_block']);
      if (index === undefined) return invalid(eventType, 'no valid `index`');
      return block ? { type: 'content_block_start', index, block } : invalid(eventType, 'no `content_block` object');
    }
    case 'content_block_delta': {
      const index = blockIndex(data['index']);
      const delta = asRecord(data['delta']);
      if (index === undefined) return invalid(eventType, 'no valid `index`');
      return delta ? { type: 'content_block_delta', index, delta: decodeDelta(delta) } : invalid(eventType, 'no `delta` object');
    }
    case 'content_block_stop': {
      const index = blockIndex(data['index']);
      return index === undefined ? invalid(eventType, 'no valid `index`') : { type: 'content_block_stop', index };
    }
    case 'message_delta': {
      const delta = asRecord(data['delta']) ?? {};
      const event: StreamEvent = { type: 'message_delta' };
      const stopReason = asString(delta['stop_reason']);
      const stopSequence = asString(delta['stop_sequence']);
      const usage = decodeTokenCounts(data['usage']);
      if (stopReason) event.stop_reason = stopReason;
      if (stopSequence !== undefined) event.stop_sequence = stopSequence;
      if (usage) event.usage = usage;
      return event;
    }
    case 'message_stop':
      return { type: 'message_stop' };
    case 'ping':
      return { type: 'ping' };
    case 'error':
      return { type: 'error', error: decodeUpstreamError(data) };
    default:
      return { type: 'unknown', eventType };
  }
}

/** The fields of a message (a `message_start` payload or a whole one-shot response) before its content. */
export function decodeMessageHead(message: JsonRecord): MessageHead {
  const entries = asArray(message['content']);
  const content = entries.filter(isRecord);
  const head: MessageHead = { content, skippedContent: entries.length - content.length };
  const id = asString(message['id']);
  const model = asString(message['model']);
  const role = asString(message['role']);
  const stopReason = asString(message['stop_reason']);
  const stopSequence = asString(message['stop_sequence']);
  const usage = decodeTokenCounts(message['usage']);
  if (id) head.id = id;
  if (model) head.model = model;
  if (role) head.role = role;
  if (stopReason) head.stop_reason = stopReason;
  if (stopSequence !== undefined) head.stop_sequence = stopSequence;
  if (usage) head.usage = usage;
  return head;
}

/** `usage` as sent; undefined when it is not an object. Non-numeric counts are left out. */
export function decodeTokenCounts(value: unknown): WireTokenCounts | undefined {
  const usage = asRecord(value);
  if (!usage) return undefined;
  const counts: WireTokenCounts = {};
  for (const key of TOKEN_COUNT_KEYS) {
    const n = asNumber(usage[key]);
    if (n !== undefined) counts[key] = n;
  }
  const thinking = asNumber(asRecord(usage['output_tokens_details'])?.['thinking_tokens']);
  if (thinking !== undefined) counts.thinking_tokens = thinking;
  return counts;
}

const TOKEN_COUNT_KEYS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

/** The `error` of an `error` event or of an error body; missing fields become empty strings. */
export function decodeUpstreamError(body: JsonRecord): UpstreamError {
  const error = asRecord(body['error']) ?? {};
  return { type: asString(error['type']) ?? '', message: asString(error['message']) ?? '' };
}

function decodeDelta(delta: JsonRecord): BlockDelta {
  const wireType = asString(delta['type']) ?? '';
  switch (wireType) {
    case 'text_delta': {
      const text = asString(delta['text']);
      return text === undefined ? { type: 'unknown', wireType } : { type: wireType, text };
    }
    case 'input_json_delta': {
      const partial = asString(delta['partial_json']);
      return partial === undefined ? { type: 'unknown', wireType } : { type: wireType, partial_json: partial };
    }
    case 'thinking_delta': {
      const thinking = asString(delta['thinking']);
      return thinking === undefined ? { type: 'unknown', wireType } : { type: wireType, thinking };
    }
    case 'signature_delta': {
      const signature = asString(delta['signature']);
      return signature === undefined ? { type: 'unknown', wireType } : { type: wireType, signature };
    }
    case 'citations_delta':
      return 'citation' in delta ? { type: wireType, citation: delta['citation'] } : { type: 'unknown', wireType };
    default:
      return { type: 'unknown', wireType };
  }
}

/** Block indexes are small non-negative integers; anything else is not an index. */
function blockIndex(value: unknown): number | undefined {
  const n = asNumber(value);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function invalid(eventType: string, reason: string): InvalidEvent {
  return { type: 'invalid', eventType, reason };
}
