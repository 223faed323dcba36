import type { ChatRequest, ContentBlock, Message } from '@tapes/llm';
import { RequestParseError } from '../../reducer';
import { asArray, asBoolean, asNumber, asRecord, asString, isRecord, type JsonRecord } from '../../json';
import { messageBlocks } from './content';
import { decodeMessage } from './wire';

/**
 * Ollama's default when a request says nothing about `stream`: `/api/chat` streams unless told
 * `"stream": false` (tapes `DefaultStreaming=true`, ref §3.2). The parsed request records only
 * what was sent, so an absent `stream` stays absent and readers apply this default.
 */
export const OLLAMA_STREAMS_BY_DEFAULT = true;

/** Options with a first-class field on {@link ChatRequest}. */
const MAPPED_OPTIONS = ['temperature', 'top_p', 'top_k', 'seed', 'num_predict', 'stop'] as const;
/** Options tapes #192 kept in `Extra` under their own names (ref §3.1). */
const GO_EXTRA_OPTIONS = ['num_ctx', 'repeat_penalty', 'repeat_last_n'] as const;

/**
 * Parses an `/api/chat` request (ref §3.2, and beyond it):
 * - messages map like response messages (thinking → text → images → tool calls, see
 *   `messageBlocks`); a `tool` message becomes one `tool_result` block carrying the content as
 *   `tool_output`, with `tool_name` and `tool_call_id` (as `tool_result_id`) when sent, then any images;
 * - `options`: temperature, top_p, top_k, seed, stop (a string or a list), num_predict as
 *   `max_tokens`;
 * - `extra`: format, keep_alive, think, the number of tools offered (`tool_count`), tapes' three
 *   option keys (num_ctx, repeat_penalty, repeat_last_n) and the other options under `options`.
 *
 * Fields of the wrong type are skipped, like Go's lenient decoding. Only a request that is not
 * Ollama's at all is refused: a document that is not an object, `messages` that is present but not
 * a list, or a message that is not an object. An absent `messages` is an empty conversation
 * (Ollama loads the model and answers with an empty done chunk).
 */
export function parseOllamaRequest(document: unknown): ChatRequest {
  if (!isRecord(document)) throw new RequestParseError('an Ollama chat request is a JSON object');
  const wireMessages = document['messages'];
  if (wireMessages !== undefined && wireMessages !== null && !Array.isArray(wireMessages)) {
    throw new RequestParseError('an Ollama chat request has a messages list');
  }
  const messages = asArray(wireMessages).map((message, index) => {
    if (!isRecord(message)) throw new RequestParseError(`messages[${index}] is not an object`);
    return requestMessage(message);
  });

  const request: ChatRequest = { model: asString(document['model']) ?? '', messages };
  const stream = asBoolean(document['stream']);
  if (stream !== undefined) request.stream = stream;
  const options = asRecord(document['options']);
  if (options) applyOptions(request, options);
  const extra = requestExtra(document, options);
  if (extra) request.extra = extra;
  return request;
}

function requestMessage(wire: JsonRecord): Message {
  const message = decodeMessage(wire);
  const role = message.role ?? '';
  // Request tool calls with unreadable arguments keep the call without input: a request has no
  // diagnostics channel, and its raw bytes are stored verbatim anyway.
  const ignoreProblem = (): void => undefined;
  if (role !== 'tool') return { role, content: messageBlocks(message, ignoreProblem) };
  const result: ContentBlock = { type: 'tool_result' };
  if (message.content !== '') result.tool_output = message.content;
  if (message.toolName) result.tool_name = message.toolName;
  if (message.toolCallId) result.tool_result_id = message.toolCallId;
  const images = messageBlocks({ ...message, content: '', thinking: '', toolCalls: [] }, ignoreProblem);
  return { role, content: [result, ...images] };
}

function applyOptions(request: ChatRequest, options: JsonRecord): void {
  const temperature = asNumber(options['temperature']);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = asNumber(options['top_p']);
  if (topP !== undefined) request.top_p = topP;
  const topK = asNumber(options['top_k']);
  if (topK !== undefined) request.top_k = topK;
  const seed = asNumber(options['seed']);
  if (seed !== undefined) request.seed = seed;
  const numPredict = asNumber(options['num_predict']);
  if (numPredict !== undefined) request.max_tokens = numPredict;
  const stop = options['stop'];
  if (typeof stop === 'string') request.stop = [stop];
  else if (Array.isArray(stop)) request.stop = stop.filter((s): s is string => typeof s === 'string');
}

function requestExtra(document: JsonRecord, options: JsonRecord | undefined): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  for (const key of ['format', 'keep_alive', 'think'] as const) {
    const value = document[key];
    if (value !== undefined && value !== null && value !== '') extra[key] = value;
  }
  if (Array.isArray(document['tools'])) extra['tool_count'] = document['tools'].length;
  if (options) {
    const rest: JsonRecord = {};
    for (const [key, value] of Object.entries(options)) {
      if ((GO_EXTRA_OPTIONS as readonly string[]).includes(key)) extra[key] = value;
      else if (!(MAPPED_OPTIONS as readonly string[]).includes(key)) rest[key] = value;
    }
    if (Object.keys(rest).length > 0) extra['options'] = rest;
  }
  return Object.keys(extra).length > 0 ? extra : undefined;
}
