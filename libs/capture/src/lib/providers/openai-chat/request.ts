import type { ChatRequest, ContentBlock, Message } from '@tapes/llm';
import { asArray, asBoolean, asNumber, asString, isRecord, type JsonRecord } from '../../json';
import { RequestParseError } from '../../reducer';
import { chatMessageBlocks, contentText } from './message';
import { readMessage } from './wire';

/**
 * Request settings kept in `extra` when present (not hashed; ref §3.1 lists the first three,
 * the rest say how the turn was produced: choice count, tool policy, reasoning effort, whether
 * usage was asked for in the stream).
 */
const EXTRA_KEYS = [
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'n',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'verbosity',
  'stream_options',
  'service_tier',
  'logprobs',
  'top_logprobs',
  'modalities',
] as const;

/**
 * Parses a Chat Completions request (ref §3.2, plus what #192 dropped). Messages of every role
 * (`system`, `developer`, `user`, `assistant`, `tool`) become DAG messages in order; their content
 * maps as the response's does ({@link chatMessageBlocks}), so an assistant reply replayed in the
 * next request hashes like the response node it came from. A `tool` message with a
 * `tool_call_id` becomes one `tool_result` block whose output is the string content or the text
 * parts joined with `"\n"`.
 *
 * @throws RequestParseError when the document is not an object, `messages` is not an array, or a
 *   message is not an object: such a body is not a Chat Completions request.
 */
export function parseChatCompletionsRequest(document: unknown): ChatRequest {
  if (!isRecord(document)) throw new RequestParseError('a Chat Completions request must be a JSON object');
  const messages = document['messages'];
  if (!Array.isArray(messages)) throw new RequestParseError('a Chat Completions request must have a messages array');
  const request: ChatRequest = { model: asString(document['model']) ?? '', messages: messages.map(requestMessage) };
  const stream = asBoolean(document['stream']);
  if (stream !== undefined) request.stream = stream;
  // o-series models take only max_completion_tokens; older clients still send max_tokens.
  const maxTokens = asNumber(document['max_completion_tokens']) ?? asNumber(document['max_tokens']);
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  const temperature = asNumber(document['temperature']);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = asNumber(document['top_p']);
  if (topP !== undefined) request.top_p = topP;
  const seed = asNumber(document['seed']);
  if (seed !== undefined) request.seed = seed;
  const stop = stopSequences(document['stop']);
  if (stop) request.stop = stop;
  const extra = requestExtra(document);
  if (extra) request.extra = extra;
  return request;
}

function requestMessage(value: unknown, index: number): Message {
  if (!isRecord(value)) throw new RequestParseError(`messages[${index}] must be an object`);
  const role = asString(value['role']) ?? '';
  const toolCallId = asString(value['tool_call_id']);
  if (role === 'tool' && toolCallId !== undefined) {
    const block: ContentBlock = { type: 'tool_result', tool_result_id: toolCallId };
    const output = contentText(value['content']);
    if (output) block.tool_output = output;
    return { role, content: [block] };
  }
  return { role, content: chatMessageBlocks(readMessage(value)) };
}

function stopSequences(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  const stops = value.filter((s): s is string => typeof s === 'string');
  return stops.length > 0 ? stops : undefined;
}

function requestExtra(document: JsonRecord): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  for (const key of EXTRA_KEYS) {
    const value = document[key];
    if (value !== undefined && value !== null) extra[key] = value;
  }
  const tools = asArray(document['tools']);
  if (tools.length > 0) extra['tool_count'] = tools.length;
  return Object.keys(extra).length > 0 ? extra : undefined;
}
