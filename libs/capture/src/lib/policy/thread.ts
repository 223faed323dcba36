import { isRedacted, type HeaderRecord } from './redaction';

/**
 * Claude Code stamps this only on calls made from a subagent context (the Agent/Task tool, and its
 * own side checks) and omits it on the main thread, so presence is the whole signal. Ordered: the
 * first non-empty one wins.
 */
export const CLAUDE_THREAD_ID_HEADERS = ['x-claude-code-agent-id'] as const;

/** Codex's thread id for one call: equal to {@link CODEX_SESSION_ID_HEADER} on a root turn. */
export const CODEX_THREAD_ID_HEADER = 'thread-id';

/** Codex's root session id, stamped on every call. */
export const CODEX_SESSION_ID_HEADER = 'session-id';

/**
 * The harness-native sub-thread a request was made from, as `fixtures/thread/` specifies: `""` for
 * a main-thread call (or a harness with no known rule). These headers are the harness's own,
 * addressed to the provider: capture only reads them and never strips them.
 *
 * - Claude Code: the first non-empty {@link CLAUDE_THREAD_ID_HEADERS} value, verbatim.
 * - Codex: `thread-id` when it differs from `session-id`. Codex sends both on every call, equal on a
 *   root turn — the root guard: a thread id on a root turn would move the main spine into a
 *   thread. A lone member of the pair is no recognised shape and resolves to nothing.
 * - Claude is tried first; the order only shows when one request carries evidence for both.
 *
 * Values are compared as received (no trimming), as every other reader of the corpus does.
 */
export function resolveThreadId(headers: HeaderRecord): string {
  for (const name of CLAUDE_THREAD_ID_HEADERS) {
    const value = headerText(headers, name);
    if (value) return value;
  }
  const thread = headerText(headers, CODEX_THREAD_ID_HEADER);
  const session = headerText(headers, CODEX_SESSION_ID_HEADER);
  if (thread && session && thread !== session) return thread;
  return '';
}

/**
 * A header's first value; undefined when absent or empty (an empty value is no evidence), or a
 * redaction marker: turns stored before #13 read `session-id: [redacted]`, and comparing a thread
 * id against the marker would make every stored Codex root turn a sub-thread.
 */
function headerText(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' || isRedacted(text) ? undefined : text;
}
