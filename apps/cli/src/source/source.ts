import type { PageJson, SearchHitJson, SessionDetailJson, SessionJson, TurnDetailJson } from '@tapes/read-api';

/** The sessions filters, exactly the read API's `GET sessions` query (libs/read-api query-schemas). */
export interface SessionsQuery {
  agent?: string;
  harness?: string;
  cwd?: string;
  model?: string;
  since?: Date;
  until?: Date;
  /** Full-text: sessions with a turn whose text matches. */
  q?: string;
  sort?: 'start' | 'end' | 'cost' | 'tokens';
  limit?: number;
  cursor?: string;
}

export interface SearchQuery {
  q: string;
  session?: string;
  limit?: number;
  cursor?: string;
}

/**
 * Where the read commands get captured sessions from: the local store itself, or a running proxy /
 * ingest over its read API (`--url`, TAPES_URL). Both answer in the read API's JSON shapes
 * (libs/read-api api-shapes), so a command prints the same thing from either and `--json` output is
 * the API's own JSON. A missing session or turn throws CliError(EXIT.notFound); an unreachable
 * store or server CliError(EXIT.unavailable).
 */
export interface Source {
  /** Where the data comes from, for messages: `SQLite /home/me/.tapes/tapes.db`, `http://127.0.0.1:8080/_tapes/v1`. */
  readonly description: string;
  sessions(query: SessionsQuery): Promise<PageJson<SessionJson>>;
  session(id: string): Promise<SessionDetailJson>;
  /** A turn by id or request id, with its conversation (`messages`, root first); `bodies` adds the raw bytes (base64). */
  turn(id: string, options?: { bodies?: boolean }): Promise<TurnDetailJson>;
  search(query: SearchQuery): Promise<PageJson<SearchHitJson>>;
  close(): Promise<void>;
}
