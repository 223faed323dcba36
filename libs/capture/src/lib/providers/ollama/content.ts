import type { ContentBlock } from '@tapes/llm';
import { isRecord, tryParseJson } from '../../json';
import type { WireMessage, WireToolCall } from './wire';

/** A tool call whose `function.arguments` is not a JSON object (reported, never dropped). */
export interface ToolInputProblem {
  tool_use_id?: string;
  tool_name?: string;
  raw: string;
  error: string;
}

/**
 * The canonical blocks of an Ollama message, shared by requests and responses so both sides of a
 * conversation hash alike:
 *   thinking → text → images → tool calls.
 *
 * Plain text maps exactly as tapes' Go parser (ref §3.2): non-empty `content` is one text block,
 * empty content is no block, so text-only nodes hash as they did in Go. Beyond Go, `thinking`
 * becomes one thinking block placed before the text (as Anthropic orders them), and a tool call
 * whose arguments arrive as a JSON string (OpenAI style, from some clients) is still read.
 */
export function messageBlocks(message: WireMessage, onToolInputProblem: (problem: ToolInputProblem) => void): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  if (message.thinking !== '') blocks.push({ type: 'thinking', thinking: message.thinking });
  if (message.content !== '') blocks.push({ type: 'text', text: message.content });
  for (const image of message.images) blocks.push({ type: 'image', image_base64: image });
  for (const call of message.toolCalls) blocks.push(toolUseBlock(call, onToolInputProblem));
  return blocks;
}

function toolUseBlock(call: WireToolCall, onToolInputProblem: (problem: ToolInputProblem) => void): ContentBlock {
  const block: ContentBlock = { type: 'tool_use' };
  if (call.id) block.tool_use_id = call.id;
  if (call.name) block.tool_name = call.name;
  const input = toolInput(call.arguments);
  if (input.ok) {
    if (input.value) block.tool_input = input.value;
  } else {
    const problem: ToolInputProblem = { raw: input.raw, error: input.error };
    if (call.id) problem.tool_use_id = call.id;
    if (call.name) problem.tool_name = call.name;
    onToolInputProblem(problem);
  }
  return block;
}

type ToolInput = { ok: true; value: Record<string, unknown> | undefined } | { ok: false; raw: string; error: string };

function toolInput(args: unknown): ToolInput {
  if (args === undefined || args === null) return { ok: true, value: undefined };
  if (isRecord(args)) return { ok: true, value: args };
  if (typeof args === 'string') {
    const parsed = tryParseJson(args);
    if (parsed.ok && isRecord(parsed.value)) return { ok: true, value: parsed.value };
    return { ok: false, raw: args, error: parsed.ok ? 'the arguments string is JSON but not an object' : parsed.error };
  }
  return { ok: false, raw: JSON.stringify(args), error: 'arguments are neither an object nor a JSON string' };
}
