/**
 * What an export is made from: a session and its turns in the read API's JSON shapes (libs/read-api
 * `SessionDetailJson` / `TurnDetailJson`, snake_case). The same data comes from the local store (the
 * read service, or the CLI's local source) and from a running proxy or ingest over HTTP, so every
 * format is produced the same way wherever the data was read. Declared here, field by field, so this
 * lib does not depend on the read API that serves it (the read API depends on this lib).
 */

/** One node of the Merkle DAG as the read API serves it. */
export interface ExportNode {
  hash: string;
  parent_hash: string | null;
  bucket: {
    type: string;
    role: string;
    /** Content blocks (libs/llm ContentBlock): text, tool_use, tool_result, thinking, image, … */
    content: Record<string, unknown>[];
    model: string;
    provider: string;
    agent_name?: string | undefined;
  };
  stop_reason?: string | undefined;
  usage?: Record<string, number> | undefined;
  project?: string | undefined;
  created_at: string;
  turn_id?: string | undefined;
}

export interface ExportTokens {
  input: number;
  output: number;
  cache_write: number;
  cache_read: number;
  reasoning: number;
  total: number;
}

export type ExportHeaders = Record<string, string | string[]>;

/** One turn: the read API's turn detail (`GET turns/:id`, with `bodies=true` for HAR and replay). */
export interface ExportTurn {
  id: string;
  request_id: string;
  session_id: string | null;
  thread_id: string;
  provider: string;
  api: string | null;
  agent: string | null;
  model: string | null;
  outcome: 'complete' | 'partial' | 'unreduced';
  diagnostics: { code: string; detail: string }[];
  head_hash: string | null;
  nodes: number;
  new_nodes: number;
  tokens: ExportTokens;
  cost_usd: number | null;
  started_at: string | null;
  first_byte_at: string | null;
  ended_at: string | null;
  ttfb_ms: number | null;
  duration_ms: number | null;
  capture_site: 'proxy' | 'ingest' | 'sidecar';
  method: string | null;
  path: string | null;
  status: number | null;
  harness: { id: string | null; version: string | null };
  request_headers: ExportHeaders | null;
  response_headers: ExportHeaders | null;
  response_content_type: string | null;
  response_content_encoding: string | null;
  /** The conversation up to the turn's head, root first. */
  messages: ExportNode[];
  /** The bytes as captured (the response still content-encoded), base64; present when asked for. */
  raw?: { request_body_base64: string | null; response_body_base64: string | null } | undefined;
  /** When each response chunk arrived: [byte offset, ms since started_at] (#16); null when not recorded. */
  response_chunks?: [number, number][] | null | undefined;
}

/** The session facts an export carries beside its turns. */
export interface ExportSessionInfo {
  id: string;
  name: string | null;
  harness: { id: string | null; version: string | null };
  agent: string | null;
  cwd: string | null;
  started_at: string;
  ended_at: string;
}

export interface ExportSession {
  session: ExportSessionInfo;
  /** Every turn of the session, every thread, oldest first. */
  turns: ExportTurn[];
}

/**
 * Where a session's data is read from: the read service on a server, the CLI's source (local store
 * or `--url`). `session` throws the reader's not-found error for an unknown id.
 */
export interface ExportReader {
  session(id: string): Promise<ExportSessionInfo & { threads: { turns: { id: string; started_at: string | null }[] }[] }>;
  turn(id: string, options: { bodies: boolean }): Promise<ExportTurn>;
}

/**
 * A session's turns, read one at a time (oldest first, all threads interleaved by start), so a long
 * session streams instead of sitting in memory whole.
 */
export async function* readSessionTurns(reader: ExportReader, sessionId: string, options: { bodies: boolean }): AsyncGenerator<ExportTurn, ExportSessionInfo> {
  const detail = await reader.session(sessionId);
  const summaries = detail.threads.flatMap((thread) => thread.turns);
  summaries.sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? '') || a.id.localeCompare(b.id));
  for (const summary of summaries) yield await reader.turn(summary.id, options);
  return sessionInfo(detail);
}

/** A session with all its turns in memory (HAR and OTLP build one document). */
export async function readSession(reader: ExportReader, sessionId: string, options: { bodies: boolean }): Promise<ExportSession> {
  const turns: ExportTurn[] = [];
  const iterator = readSessionTurns(reader, sessionId, options);
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { session: next.value, turns };
    turns.push(next.value);
  }
}

function sessionInfo(s: ExportSessionInfo): ExportSessionInfo {
  return { id: s.id, name: s.name, harness: s.harness, agent: s.agent, cwd: s.cwd, started_at: s.started_at, ended_at: s.ended_at };
}
