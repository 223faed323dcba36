import type { CaptureSite, ChunkMark, HeaderRecord, TurnOutcome, TurnRecord } from '@tapes/capture';
import type { Diagnostic } from '@tapes/llm';
import type { Node } from '@tapes/merkle';
import type { Backend } from './storage-target';
import type { RederiveResult } from './turn-rederive';

export interface StoreResult {
  /** `duplicate`: a turn with this requestId was already stored; nothing changed. */
  status: 'stored' | 'duplicate';
  /** The stored turn's id (the original one for a duplicate). */
  turnId: string;
  /** The last node's hash (the response node), null for a turn without nodes. */
  headHash: string | null;
  nodeCount: number;
  /** How many of the nodes did not exist before this turn (as recorded when it was first stored). */
  newNodeCount: number;
}

/** A node as stored: a {@link Node} whose `created_at` is always set. */
export interface StoredNode extends Node {
  /** When the node was first written: ISO 8601 UTC with microseconds, `2026-04-01T12:34:56.123456Z`. */
  created_at: string;
  /** The turn that first stored it (absent for nodes stored before #14, or whose turn was deleted). */
  turn_id?: string;
}

export interface StoredTurn {
  id: string;
  requestId: string;
  provider: string;
  api?: string;
  agentName?: string;
  captureSite: CaptureSite;
  method?: string;
  path?: string;
  status?: number;
  requestHeaders?: HeaderRecord;
  requestBody?: Uint8Array;
  responseHeaders?: HeaderRecord;
  responseBody?: Uint8Array;
  responseContentType?: string;
  responseContentEncoding?: string;
  headHash: string | null;
  nodeCount: number;
  newNodeCount: number;
  outcome: TurnOutcome;
  diagnostics: Diagnostic[];
  startedAt?: Date;
  firstByteAt?: Date;
  endedAt?: Date;
  /** When each response chunk arrived (#16): [byte offset into responseBody, ms since startedAt]; absent for turns captured without it. */
  responseChunks?: ChunkMark[];
  /** When the turn row was written (millisecond precision). */
  createdAt: Date;
  /** Session, thread and harness (#14); null session for turns stored before sessions existed and not yet backfilled. */
  sessionId: string | null;
  threadId: string;
  harnessId: string | null;
  harnessVersion: string | null;
  /** The session facts the turn carried: cwd, name, parent session, metadata. */
  sessionEnvelope: Record<string, unknown> | null;
  model: string | null;
  tokens: TokenCounts;
  costUsd: number | null;
  priceVersion: string | null;
}

export interface AncestryResult {
  /** The node first, then its parent, … , the root (or the last node found) last. */
  nodes: StoredNode[];
  /** True when the walk reached a root: no missing parent, no cycle, not cut by `limit`. */
  complete: boolean;
  /** The parent hash that is not stored, when the chain dangles. */
  missingParent?: string;
  /** The walk met a node twice (cannot happen with valid hashes; guarded anyway, ref §7.1). */
  cycle?: boolean;
  /** The walk stopped at `limit` nodes before reaching the root. */
  truncated?: boolean;
}

export interface AncestryOptions {
  /** The most nodes to return, counting the start node. Default: no limit (any depth). */
  limit?: number;
}

export interface ListOptions {
  /** Only nodes whose bucket agent_name is exactly this. */
  agent?: string;
  /** Page size: default {@link DEFAULT_PAGE_SIZE}, at most {@link MAX_PAGE_SIZE} (larger values are clamped). */
  limit?: number;
  /** The `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface Page<T> {
  items: T[];
  /** Present only when more items follow. Opaque; pass it back unchanged. */
  nextCursor?: string;
}

export interface GetTurnOptions {
  /** Include the request/response bodies (default true; they can be up to 64 MiB each). */
  bodies?: boolean;
}

/** Token totals as stored (each turn's response usage, summed for sessions). */
export interface TokenCounts {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  reasoning: number;
}

/** One session as the list shows it (#14). */
export interface SessionRow {
  id: string;
  name: string | null;
  harnessId: string | null;
  harnessVersion: string | null;
  agentName: string | null;
  cwd: string | null;
  parentId: string | null;
  metadata: Record<string, unknown> | null;
  firstPrompt: string | null;
  /** ISO 8601 UTC with microseconds. */
  startedAt: string;
  endedAt: string;
  turnCount: number;
  threadCount: number;
  outcomes: { complete: number; partial: number; unreduced: number };
  tokens: TokenCounts;
  costUsd: number | null;
  /** Distinct models that answered, most used first. */
  models: string[];
}

export type SessionSort = 'start' | 'end' | 'cost' | 'tokens';

export interface SessionQuery {
  agent?: string;
  harness?: string;
  cwd?: string;
  /** Sessions with at least one turn answered by this model. */
  model?: string;
  /** Sessions active in [since, until]: ended at or after `since`, started at or before `until`. */
  since?: Date;
  until?: Date;
  /** Sessions with a turn whose text matches (the full-text search). */
  text?: string;
  /** Default `start` (newest first). */
  sort?: SessionSort;
  limit?: number;
  cursor?: string;
}

/** One turn of a session, without its bodies (#14). */
export interface TurnSummary {
  id: string;
  requestId: string;
  sessionId: string | null;
  threadId: string;
  provider: string;
  api?: string;
  agentName?: string;
  model: string | null;
  outcome: TurnOutcome;
  diagnostics: Diagnostic[];
  headHash: string | null;
  nodeCount: number;
  newNodeCount: number;
  tokens: TokenCounts;
  costUsd: number | null;
  startedAt: string | null;
  firstByteAt: string | null;
  endedAt: string | null;
}

export interface SearchHit {
  turnId: string;
  sessionId: string | null;
  /** The matched text with its surroundings, matches wrapped in `[` `]`. */
  snippet: string;
  startedAt: string | null;
}

export interface StatsRow {
  key: string;
  turns: number;
  tokens: TokenCounts;
  costUsd: number | null;
}

export interface Stats {
  byDay: StatsRow[];
  byModel: StatsRow[];
  byAgent: StatsRow[];
  byHarness: StatsRow[];
}

/**
 * The storage of captured turns: the only way the apps touch the database (they never see Prisma).
 * Every method may throw {@link StorageUnavailableError} (retryable: answer 503 / spool and retry);
 * storeTurn throws {@link InvalidTurnError} for a turn it refuses, list methods
 * {@link InvalidCursorError} for a cursor they did not produce.
 */
/** Which turn ids {@link TurnStore.listTurnIds} walks. */
export interface ListTurnIdsOptions {
  /** Only turns that started (or, without a start time, were stored) at or after it. */
  since?: Date;
  /** The last id of the previous page. */
  after?: string;
  limit?: number;
  /** Only turns without a session: stored before sessions existed (#14), for the backfill. */
  withoutSession?: boolean;
}

export interface TurnStore {
  readonly backend: Backend;

  /**
   * Stores a turn in ONE transaction: every node insert-or-ignore by hash (the first writer's
   * metadata is kept), then the turn row. Validates everything first; an invalid turn writes nothing.
   * A requestId already stored with the same request and response bytes answers `duplicate` with
   * the original's ids and counts and changes nothing, also when several writers race on the same
   * requestId; with different bytes it throws {@link InvalidTurnError} `request_id_conflict` (#13).
   * Usage is never lost to a dedup race (ref §9.3, §13 item 10): when a node already exists without
   * usage (or stop_reason) and the incoming node has it, it is filled in.
   */
  storeTurn(turn: TurnRecord): Promise<StoreResult>;

  getNode(hash: string): Promise<StoredNode | null>;

  /** The chain from `hash` up to its root, of any depth; null when `hash` is not stored. */
  ancestry(hash: string, options?: AncestryOptions): Promise<AncestryResult | null>;

  /** Every node, oldest first (created_at, hash ascending), keyset-paginated. */
  listNodes(options?: ListOptions): Promise<Page<StoredNode>>;

  /** The leaves (nodes no other node has as parent: conversation heads), newest first. */
  leaves(options?: ListOptions): Promise<Page<StoredNode>>;

  /** A turn by its id or by its requestId; null when neither matches. */
  getTurn(idOrRequestId: string, options?: GetTurnOptions): Promise<StoredTurn | null>;

  hasTurn(requestId: string): Promise<boolean>;

  /** Sessions, filtered and sorted, keyset-paginated (#14). */
  listSessions(query?: SessionQuery): Promise<Page<SessionRow>>;

  getSession(id: string): Promise<SessionRow | null>;

  /** Every turn of a session, oldest first (started_at, id), without bodies. */
  sessionTurns(id: string): Promise<TurnSummary[]>;

  /** Full-text search over what turns brought into the DAG: message text, tool input and output. */
  search(text: string, options?: { limit?: number; cursor?: string; session?: string }): Promise<Page<SearchHit>>;

  /**
   * Deletes a session in one transaction: its turns, and every node no remaining turn's chain
   * reaches (nodes are shared across sessions: another session's history survives). Null when
   * there is no such session.
   */
  deleteSession(id: string): Promise<{ turns: number; nodes: number } | null>;

  /**
   * Retention (#14, TAPES_RETENTION): deletes up to `limit` (default 100) sessions whose last turn
   * ended before `cutoff`, oldest first, each as {@link deleteSession} does. Call again while it
   * reports `sessions === limit`.
   */
  expireSessions(cutoff: Date, options?: { limit?: number }): Promise<{ sessions: number; turns: number; nodes: number }>;

  /**
   * Turn ids in id order (uuidv7: the order they were stored), keyset-paginated by the last id seen
   * (`after`), for walking every turn resumably (`tapes rederive`, the session backfill).
   */
  listTurnIds(options?: ListTurnIdsOptions): Promise<string[]>;

  /**
   * Replaces a stored turn's derivation with `turn` — the same raw bytes reduced again (#16): its
   * nodes, outcome, diagnostics and session columns, its search text, and its sessions' rows, in
   * ONE transaction; raw bytes, ids and timings stay. A turn stored before sessions existed gets its
   * session here (the backfill). Writes nothing when the stored derivation already is this one
   * (`unchanged`) or with `dryRun`. Null when there is no such turn. Throws InvalidTurnError for a
   * record that is not a valid turn or is of another request.
   */
  rederiveTurn(turnId: string, turn: TurnRecord, options?: { dryRun?: boolean }): Promise<RederiveResult | null>;

  /** Turns, tokens and cost by day (UTC), model, agent and harness, over [since, until]. */
  stats(options?: { since?: Date; until?: Date }): Promise<Stats>;

  /** Row counts, for tests and metrics. */
  counts(): Promise<{ nodes: number; turns: number }>;

  /** Resolves when the database answers a trivial query; throws StorageUnavailableError otherwise. */
  ping(): Promise<void>;

  /** Ends the pool / closes the file. Later calls throw StorageUnavailableError (reason `closed`). */
  close(): Promise<void>;
}
