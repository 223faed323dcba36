import type { ExportNode, ExportTurn } from './export-input';

/** A tool call the model made in a turn's response. */
export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown> | undefined;
}

/** A tool's result, as the next request carried it back. */
export interface ToolResult {
  id: string;
  isError: boolean;
  output: string | undefined;
}

/**
 * The turn's response node: the last message when the turn produced one (an unreduced turn has no
 * nodes; the head is the model's answer, role `assistant`).
 */
export function responseNode(turn: ExportTurn): ExportNode | undefined {
  const last = turn.messages[turn.messages.length - 1];
  return last && last.hash === turn.head_hash && last.bucket.role === 'assistant' ? last : undefined;
}

/** The tool calls in a turn's response (`tool_use` blocks), in order. */
export function toolCalls(turn: ExportTurn): ToolCall[] {
  const node = responseNode(turn);
  if (!node) return [];
  return node.bucket.content
    .filter((block) => block['type'] === 'tool_use' && typeof block['tool_use_id'] === 'string')
    .map((block) => ({
      id: block['tool_use_id'] as string,
      name: typeof block['tool_name'] === 'string' ? block['tool_name'] : 'unknown',
      input: isRecord(block['tool_input']) ? block['tool_input'] : undefined,
    }));
}

/** The tool results a turn's request brought back (`tool_result` blocks of its messages), by call id. */
export function toolResults(turn: ExportTurn): Map<string, ToolResult> {
  const results = new Map<string, ToolResult>();
  for (const message of turn.messages) {
    for (const block of message.bucket.content) {
      if (block['type'] !== 'tool_result' || typeof block['tool_result_id'] !== 'string') continue;
      results.set(block['tool_result_id'], {
        id: block['tool_result_id'],
        isError: block['is_error'] === true,
        output: typeof block['tool_output'] === 'string' ? block['tool_output'] : undefined,
      });
    }
  }
  return results;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
