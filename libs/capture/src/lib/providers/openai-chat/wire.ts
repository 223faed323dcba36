import { asArray, asNumber, asRecord, asString, isRecord, type JsonRecord } from '../../json';

/**
 * Chat Completions wire shapes, read leniently from untrusted JSON (missing or mistyped fields
 * become undefined, never an exception). Kept apart from the state machine so they are easy to
 * compare with the API reference:
 * https://platform.openai.com/docs/api-reference/chat/object and …/chat-streaming/streaming.
 */

/**
 * One entry of a message's `tool_calls`, or a fragment of one in a stream delta:
 * `{index?, id?, type: "function", function: {name?, arguments?}}` or, for freeform tools,
 * `{index?, id?, type: "custom", custom: {name?, input?}}`. The legacy `function_call`
 * (`{name, arguments}`) reads into the same shape.
 */
export interface WireToolCall {
  index?: number;
  id?: string;
  /** `function` or `custom`; absent on continuation fragments. */
  type?: string;
  name?: string;
  /** JSON text of a function call's arguments (or a fragment of it). */
  arguments?: string;
  /** Freeform input of a custom tool call (or a fragment of it). */
  input?: string;
}

/**
 * The fields of a message the reducers and the request parser map to content blocks: a one-shot
 * `choices[].message`, a stream `delta`, or a request message.
 */
export interface WireMessage {
  role?: string;
  /** A string, an array of content parts, or null/absent. */
  content: unknown;
  refusal?: string;
  /**
   * Reasoning text some OpenAI-compatible servers add: `reasoning_content` (DeepSeek, vLLM, Qwen)
   * or `reasoning` (OpenRouter, Ollama, newer vLLM). OpenAI itself never sends it here.
   */
  reasoning?: string;
  toolCalls: WireToolCall[];
  /** Deprecated `function_call` (pre-`tools` functions API). */
  functionCall?: WireToolCall;
}

export interface WireChoice {
  index: number;
  /** `message` of a completion or `delta` of a chunk. */
  message: WireMessage;
  finishReason?: string;
}

export function readToolCall(value: unknown): WireToolCall | undefined {
  const record = asRecord(value);
  if (!record) return undefined;
  const call: WireToolCall = {};
  const index = asNumber(record['index']);
  if (index !== undefined) call.index = index;
  assignString(call, 'id', record['id']);
  assignString(call, 'type', record['type']);
  const fn = asRecord(record['function']);
  const custom = asRecord(record['custom']);
  if (fn) {
    assignString(call, 'name', fn['name']);
    assignString(call, 'arguments', fn['arguments']);
  }
  if (custom) {
    assignString(call, 'name', custom['name']);
    assignString(call, 'input', custom['input']);
    call.type ??= 'custom';
  }
  return call;
}

export function readMessage(record: JsonRecord): WireMessage {
  const message: WireMessage = { content: record['content'], toolCalls: [] };
  assignString(message, 'role', record['role']);
  assignString(message, 'refusal', record['refusal']);
  const reasoning = asString(record['reasoning_content']) ?? asString(record['reasoning']);
  if (reasoning !== undefined) message.reasoning = reasoning;
  for (const entry of asArray(record['tool_calls'])) {
    const call = readToolCall(entry);
    if (call) message.toolCalls.push(call);
  }
  const legacy = asRecord(record['function_call']);
  if (legacy) {
    const call: WireToolCall = { type: 'function' };
    assignString(call, 'name', legacy['name']);
    assignString(call, 'arguments', legacy['arguments']);
    message.functionCall = call;
  }
  return message;
}

/** The choices of a completion (`key` = `message`) or a chunk (`key` = `delta`). */
export function readChoices(value: unknown, key: 'message' | 'delta'): WireChoice[] {
  const choices: WireChoice[] = [];
  for (const entry of asArray(value)) {
    if (!isRecord(entry)) continue;
    // A choice without an index is the only one (some compatible servers omit it).
    const choice: WireChoice = { index: asNumber(entry['index']) ?? 0, message: readMessage(asRecord(entry[key]) ?? {}) };
    assignString(choice, 'finishReason', entry['finish_reason']);
    choices.push(choice);
  }
  return choices;
}

function assignString<T extends object, K extends keyof T>(target: T, key: K, value: unknown): void {
  if (typeof value === 'string') (target as Record<K, string>)[key] = value;
}
