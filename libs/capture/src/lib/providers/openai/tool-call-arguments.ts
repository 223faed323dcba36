import type { ContentBlock } from '@tapes/llm';
import { isRecord, tryParseJson } from '../../json';

/** Why a tool call's argument text did not become a `tool_input` object. */
export interface ToolArgumentsProblem {
  tool_use_id: string | undefined;
  raw: string;
  error: string;
}

/**
 * Parses the JSON text OpenAI sends as a function call's `arguments` (Chat Completions
 * `function.arguments`, Responses `function_call.arguments`).
 *
 * - `""` (or only whitespace) is a call without arguments: no input, no problem — the same as
 *   Anthropic's "no `input_json_delta`" (ref §4.2).
 * - A JSON object becomes the input (`{}` included; the hash omits it either way).
 * - Anything else (invalid JSON, an array, a string…) is a problem: the caller keeps the raw text
 *   on the block and reports it. tapes #192 dropped such calls silently (ref §3.2).
 */
export function parseToolArguments(raw: string): { input: Record<string, unknown> | undefined } | { error: string } {
  if (raw.trim() === '') return { input: undefined };
  const parsed = tryParseJson(raw);
  if (!parsed.ok) return { error: parsed.error };
  if (!isRecord(parsed.value)) return { error: `arguments are JSON ${describeJson(parsed.value)}, not an object` };
  return { input: parsed.value };
}

/**
 * A `tool_use` block for a function call. Unusable arguments keep their raw text in
 * `data.arguments`, on the response side and the request side alike, so the response node and the
 * same call replayed in the next request hash the same; `onProblem` is told about them.
 */
export function functionCallBlock(
  call: { id: string | undefined; name: string | undefined; arguments: string },
  onProblem?: (problem: ToolArgumentsProblem) => void,
): ContentBlock {
  const block: ContentBlock = { type: 'tool_use' };
  if (call.id !== undefined) block.tool_use_id = call.id;
  if (call.name !== undefined) block.tool_name = call.name;
  const parsed = parseToolArguments(call.arguments);
  if ('error' in parsed) {
    block.data = { arguments: call.arguments };
    onProblem?.({ tool_use_id: call.id, raw: call.arguments, error: parsed.error });
  } else if (parsed.input !== undefined) {
    block.tool_input = parsed.input;
  }
  return block;
}

/**
 * A freeform ("custom") tool call: its input is arbitrary text (a patch, a SQL query), not JSON,
 * so it is kept verbatim in `data.input`. The same shape for Chat Completions and Responses.
 */
export function customToolCallBlock(call: { id: string | undefined; name: string | undefined; input: string }): ContentBlock {
  const block: ContentBlock = { type: 'custom_tool_call', data: { input: call.input } };
  if (call.id !== undefined) block.tool_use_id = call.id;
  if (call.name !== undefined) block.tool_name = call.name;
  return block;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
