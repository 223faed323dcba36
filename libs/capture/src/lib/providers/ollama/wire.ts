import { asArray, asBoolean, asNumber, asRecord, asString, isRecord, type JsonRecord } from '../../json';

/**
 * The wire shapes of Ollama's `/api/chat`, read leniently from untrusted JSON
 * (https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion). Kept apart
 * from the state machine so they are easy to compare against the API docs.
 *
 * A streamed response is NDJSON: one chunk per line, each `{model, created_at, message, done:false}`,
 * then a last chunk with `done:true`, `done_reason` and the metrics. A one-shot response
 * (`"stream": false`) is a single chunk with `done:true` holding the whole message. Errors are
 * `{"error": "…"}`, as a whole body or as a line mid-stream.
 */

export interface WireToolCall {
  /** Present in newer Ollama versions (`call_…`). */
  id: string | undefined;
  name: string | undefined;
  /** `function.arguments`: an object on the wire; anything else is reported by the mapper. */
  arguments: unknown;
}

/** A chat message as Ollama sends it (responses) or receives it (requests). */
export interface WireMessage {
  role: string | undefined;
  content: string;
  thinking: string;
  images: string[];
  toolCalls: WireToolCall[];
  /** Request `tool` messages: which tool produced the content, and the call it answers. */
  toolName: string | undefined;
  toolCallId: string | undefined;
}

/** Durations are nanoseconds. */
export interface WireMetrics {
  total_duration?: number | undefined;
  load_duration?: number | undefined;
  prompt_eval_count?: number | undefined;
  prompt_eval_duration?: number | undefined;
  eval_count?: number | undefined;
  eval_duration?: number | undefined;
}

export type WireChunk =
  | { kind: 'error'; message: string }
  | { kind: 'chunk'; model: string | undefined; message: WireMessage | undefined; done: boolean; doneReason: string | undefined; metrics: WireMetrics }
  | { kind: 'foreign' };

/** One NDJSON line or a one-shot body, already known to be a JSON object. */
export function decodeChunk(value: JsonRecord): WireChunk {
  const error = value['error'];
  if (error !== undefined && error !== null) return { kind: 'error', message: describeError(error) };
  const message = asRecord(value['message']);
  const done = asBoolean(value['done']);
  if (!message && done === undefined) return { kind: 'foreign' };
  return {
    kind: 'chunk',
    model: asString(value['model']),
    message: message ? decodeMessage(message) : undefined,
    done: done === true,
    doneReason: asString(value['done_reason']),
    metrics: {
      total_duration: asNumber(value['total_duration']),
      load_duration: asNumber(value['load_duration']),
      prompt_eval_count: asNumber(value['prompt_eval_count']),
      prompt_eval_duration: asNumber(value['prompt_eval_duration']),
      eval_count: asNumber(value['eval_count']),
      eval_duration: asNumber(value['eval_duration']),
    },
  };
}

export function decodeMessage(message: JsonRecord): WireMessage {
  return {
    role: asString(message['role']),
    content: asString(message['content']) ?? '',
    thinking: asString(message['thinking']) ?? '',
    images: asArray(message['images']).filter((image): image is string => typeof image === 'string'),
    toolCalls: asArray(message['tool_calls']).filter(isRecord).map(decodeToolCall),
    toolName: asString(message['tool_name']),
    toolCallId: asString(message['tool_call_id']),
  };
}

function decodeToolCall(call: JsonRecord): WireToolCall {
  const fn = asRecord(call['function']) ?? {};
  return { id: asString(call['id']), name: asString(fn['name']), arguments: fn['arguments'] };
}

/** Ollama sends `"error": "<text>"`; an object with a `message` is read too, anything else shown. */
function describeError(error: unknown): string {
  if (typeof error === 'string') return error;
  const message = isRecord(error) ? asString(error['message']) : undefined;
  return message ?? JSON.stringify(error);
}
