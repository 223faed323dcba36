/**
 * Responses streaming event types, as listed in the API reference
 * (https://platform.openai.com/docs/api-reference/responses-streaming). The reducer acts on the
 * ones that carry the turn; the families below only report progress of work whose result arrives
 * whole in `response.output_item.done` (and in the terminal response), so they are recognised and
 * skipped rather than counted as unknown.
 */
export const TERMINAL_EVENTS = ['response.completed', 'response.incomplete', 'response.failed'] as const;
export type TerminalEvent = (typeof TERMINAL_EVENTS)[number];

export function isTerminalEvent(type: string): type is TerminalEvent {
  return (TERMINAL_EVENTS as readonly string[]).includes(type);
}

/** Events that announce the response before any output: they name its id and model. */
export const LIFECYCLE_EVENTS: readonly string[] = ['response.created', 'response.in_progress', 'response.queued'];

const PROGRESS_EVENT_PREFIXES: readonly string[] = [
  'response.audio.',
  'response.code_interpreter_call.',
  'response.code_interpreter_call_code.',
  'response.compaction.',
  'response.file_search_call.',
  'response.image_generation_call.',
  'response.mcp_call.',
  'response.mcp_call_arguments.',
  'response.mcp_list_tools.',
  'response.shell_call_command.',
  'response.shell_call_output_content.',
  'response.web_search_call.',
  // The ChatGPT Codex backend interleaves its own metadata (`codex.rate_limits`, …).
  'codex.',
];

/** True for events that need no action: progress reports whose results arrive in other events. */
export function isProgressEvent(type: string): boolean {
  return PROGRESS_EVENT_PREFIXES.some((prefix) => type.startsWith(prefix));
}
