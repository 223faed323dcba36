import type { Diagnostic, Usage } from '@tapes/llm';
import type { Bucket } from '@tapes/merkle';
import { InvalidTurnError, StorageUnavailableError } from './errors';
import type { PrismaClient } from '../generated/sqlite/client';
import { type Micros, uuidv7 } from './micro-clock';
import { decodeCursor, encodeCursor } from './page-cursor';
import type { SqlDialect } from './sql-dialect';
import type { Backend } from './storage-target';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type AncestryOptions,
  type AncestryResult,
  type GetTurnOptions,
  type ListOptions,
  type ListTurnIdsOptions,
  type Page,
  type SearchHit,
  type SessionQuery,
  type SessionRow,
  type Stats,
  type StoreResult,
  type StoredNode,
  type StoredTurn,
  type TurnStore,
  type TurnSummary,
} from './turn-store';
import { SessionQueries } from './session-queries';
import { ensureSearchIndex, searchTurns } from './search-index';
import { deleteSessionIn } from './session-delete';
import { statsOf } from './stats-queries';
import type { CaptureSite, ChunkMark, HeaderRecord, TurnOutcome, TurnRecord } from '@tapes/capture';
import { type TurnLimits, type ValidatedTurn, validateTurn } from './validate-turn';
import type { PgDirectQuery } from './pg-direct-query';
import { writeTurnInOneStatement } from './pg-single-statement-write';
import { sessionUpsert } from './session-write';
import { newNodesText } from './turn-facts';
import { columnForm, fromColumn, toColumn } from './column-text';
import { insertNodes } from './node-insert';
import type { SqliteDirectWriter } from './sqlite-direct-write';
import { rederiveTurnIn, type RederiveResult } from './turn-rederive';

/**
 * Both generated clients have the same models; the repository is written against the SQLite one's
 * types and the PostgreSQL client is used through the same surface.
 */
export type StorageClient = PrismaClient;
type TxClient = Parameters<Parameters<StorageClient['$transaction']>[0]>[0];
/** What raw SQL needs: a Prisma client or transaction, or the direct SQLite writer's. */
interface Queryable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface StorageLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface PrismaTurnStoreOptions {
  backend: Backend;
  /**
   * Makes the Prisma client, on first use. On SQLite with {@link directWrite}, storing, the open-time
   * ping and the search index never need it, so the storage thread of a proxy that only captures
   * never loads Prisma (#17: its client runtime and query compiler are ~90 MB of the thread's
   * memory); the first read does. A failed attempt is tried again on the next call.
   */
  client: () => Promise<StorageClient>;
  dialect: SqlDialect;
  limits: TurnLimits;
  clock: () => Micros;
  /** Runs one storage operation; the SQLite store serialises them per file (see open-storage). */
  serialize: <T>(operation: () => Promise<T>) => Promise<T>;
  /** Turns a driver/Prisma error into StorageUnavailableError, or returns it unchanged. */
  classifyError: (error: unknown) => Promise<unknown>;
  /** Interactive transaction limits (Prisma's maxWait / timeout), in ms. */
  transaction: { maxWait: number; timeout: number };
  logger?: StorageLogger;
  /** Called once by close(), after the client disconnected. */
  onClose?: () => Promise<void> | void;
  /** SQLite: storeTurn's own connection with cached statements (#17); Prisma does everything else. */
  directWrite?: SqliteDirectWriter;
  /** PostgreSQL: storeTurn's one statement straight on the pool (#17, see pg-direct-query.ts). */
  directPg?: PgDirectQuery;
}

interface NodeRow {
  hash: string;
  parent_hash: string | null;
  type: string;
  role: string;
  content: string;
  model: string;
  provider: string;
  agent_name: string | null;
  stop_reason: string | null;
  usage: string | null;
  project: string | null;
  turn_id: string | null;
  created_at: string;
  depth?: number | bigint;
}

const NODE_COLUMNS = ['hash', 'parent_hash', 'type', 'role', 'content', 'model', 'provider', 'agent_name', 'stop_reason', 'usage', 'project', 'turn_id'];

/**
 * Longest turn stored in one PostgreSQL statement. Its parameters no longer grow with the turn
 * (one array per column); the bound keeps one statement's arrays moderate, and longer turns take
 * the chunked transaction path, as before.
 */
const SINGLE_STATEMENT_MAX_NODES = 4_000;
/** Ancestors fetched per recursive query; the walk continues from the last one (no total cap). */
const ANCESTRY_BATCH = 2_000;

/** Thrown inside the transaction to roll it back when another writer stored the same requestId first. */
class DuplicateTurn extends Error {}

/** The repository on Prisma 7 with a driver adapter; one class for both backends (see SqlDialect). */
export class PrismaTurnStore implements TurnStore {
  readonly backend: Backend;
  private readonly d: SqlDialect;
  private closed: Promise<void> | undefined;
  private prisma: Promise<StorageClient> | undefined;

  constructor(private readonly options: PrismaTurnStoreOptions) {
    this.backend = options.backend;
    this.d = options.dialect;
  }

  /** The Prisma client, made on first use (see {@link PrismaTurnStoreOptions.client}). */
  private db(): Promise<StorageClient> {
    if (!this.prisma) {
      const made = this.options.client();
      this.prisma = made;
      made.catch(() => {
        if (this.prisma === made) this.prisma = undefined;
      });
    }
    return this.prisma;
  }

  /** Where plain SQL reads go: the direct SQLite connection when there is one, else Prisma. */
  private async sql(): Promise<Queryable & { $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> }> {
    return this.options.directWrite?.tx ?? (await this.db());
  }

  async storeTurn(turn: TurnRecord): Promise<StoreResult> {
    // Checked on the record as given (hashes), written in its column form (#12: any text stores).
    const valid = columnForm(validateTurn(turn, this.options.limits));
    // PostgreSQL: one prepared statement (pg-single-statement-write.ts); very long turns take the chunked path.
    if (this.options.directPg && turn.nodes.length <= SINGLE_STATEMENT_MAX_NODES) return this.storeTurnInOneStatement(this.options.directPg, valid);
    const direct = this.options.directWrite;
    return this.run(async () => {
      const first = turn.nodes[0];
      const { existing, parentFound } = await this.preflight(valid.turn.requestId, first?.parent_hash ?? null, direct?.tx);
      if (existing) return this.duplicateOf(existing, turn);
      if (first?.parent_hash && !parentFound) throw missingParent(first.parent_hash);
      try {
        if (direct) return await direct.transaction((tx) => this.write(tx, valid, true));
        return await (await this.db()).$transaction((tx) => this.write(tx, valid), this.options.transaction);
      } catch (error) {
        if (error instanceof DuplicateTurn || isUniqueViolation(error, 'request_id')) {
          const original = await this.findStored(valid.turn.requestId);
          if (original) return this.duplicateOf(original, turn);
        }
        // The parent existed a moment ago and nodes are never deleted, so this means a database
        // changed under us (restored, truncated); say what the caller can act on.
        if (isForeignKeyViolation(error) && first?.parent_hash) throw missingParent(first.parent_hash);
        throw error;
      }
    });
  }

  /** PostgreSQL: the whole store as one statement (see pg-single-statement-write.ts). */
  private storeTurnInOneStatement(db: PgDirectQuery, valid: ValidatedTurn): Promise<StoreResult> {
    const { turn } = valid;
    return this.run(async () => {
      try {
        const outcome = await writeTurnInOneStatement(db, valid, this.options.clock);
        if (outcome.status === 'missing_parent') throw missingParent(turn.nodes[0]?.parent_hash ?? '');
        if (outcome.status === 'duplicate') return this.duplicateOf(outcome, turn);
        if (outcome.status !== 'lost_race') return outcome;
      } catch (error) {
        // The parent existed when checked and nodes are never deleted: a database changed under us.
        if (isForeignKeyViolation(error) && turn.nodes[0]?.parent_hash) throw missingParent(turn.nodes[0].parent_hash);
        if (!isUniqueViolation(error, 'request_id')) throw error;
      }
      const original = await this.findStored(valid.turn.requestId);
      if (!original) throw new Error(`turn ${turn.requestId} lost a request_id race but is not stored`);
      return this.duplicateOf(original, turn);
    });
  }

  /** The transaction body: nodes (insert-or-ignore, then usage fill), then the turn row. */
  private async write(tx: Queryable, valid: ValidatedTurn, raw = false): Promise<StoreResult> {
    const { turn, facts } = valid;
    const nodes = turn.nodes;
    const id = uuidv7();
    const created = await insertNodes(tx, this.d, valid, id, this.options.clock);
    const newNodeCount = created.size;
    const headHash = nodes.at(-1)?.hash ?? null;
    try {
      const data = {
          id,
          requestId: turn.requestId,
          provider: turn.provider,
          api: turn.api ?? null,
          agentName: turn.agentName ?? null,
          captureSite: turn.captureSite,
          method: turn.method ?? null,
          path: turn.path ?? null,
          status: turn.status ?? null,
          requestHeaders: valid.requestHeadersJson,
          requestBody: bytesOrNull(turn.requestBody),
          responseHeaders: valid.responseHeadersJson,
          responseBody: bytesOrNull(turn.responseBody),
          responseContentType: turn.responseContentType ?? null,
          responseContentEncoding: turn.responseContentEncoding ?? null,
          headHash,
          nodeCount: nodes.length,
          newNodeCount,
          outcome: turn.outcome,
          diagnostics: valid.diagnosticsJson,
          startedAt: turn.startedAt ?? null,
          firstByteAt: turn.firstByteAt ?? null,
          endedAt: turn.endedAt ?? null,
          responseChunks: valid.responseChunksJson,
          sessionId: facts.sessionId,
          threadId: facts.threadId,
          harnessId: facts.harnessId,
          harnessVersion: facts.harnessVersion,
          sessionEnvelope: facts.sessionEnvelopeJson,
          model: facts.model,
          inputTokens: facts.tokens.input,
          outputTokens: facts.tokens.output,
          cacheWriteTokens: facts.tokens.cacheWrite,
          cacheReadTokens: facts.tokens.cacheRead,
          reasoningTokens: facts.tokens.reasoning,
          costUsd: facts.costUsd,
          priceVersion: facts.priceVersion,
        };
      // The direct SQLite path writes the row Prisma would (created_at by the client, as Prisma's now()).
      if (raw) await insertRow(tx, 'turns', { ...data, createdAt: new Date() });
      else await (tx as TxClient).turn.create({ data, select: { id: true } });
    } catch (error) {
      if (isUniqueViolation(error, 'request_id')) throw new DuplicateTurn();
      throw error;
    }
    // Search text and the session row, in the same transaction as the turn (#14).
    const text = newNodesText(facts, (i) => created.has(nodes[i]?.hash ?? ''));
    if (text) await tx.$executeRawUnsafe(`INSERT INTO turn_text (turn_id, session_id, text) VALUES (${this.d.param(1)}, ${this.d.param(2)}, ${this.d.param(3)})`, id, facts.sessionId, text);
    if (facts.sessionId !== null) {
      const params: unknown[] = [];
      const sql = sessionUpsert(this.d, { ...facts, sessionId: facts.sessionId }, turn, (value, type) => {
        params.push(value);
        return type === 'timestamptz' ? this.d.timestamp(params.length) : this.d.param(params.length);
      });
      await tx.$executeRawUnsafe(sql, ...params);
    }
    return { status: 'stored', turnId: id, headHash, nodeCount: nodes.length, newNodeCount };
  }

  /**
   * A request id already stored is an idempotent retry only when it carries the same content: the
   * same request and response bytes as stored (after redaction, as every site stores them). Other
   * content under a reused id is refused (`request_id_conflict`, ingest's 409, #13) rather than
   * answered `duplicate` while the new turn is silently thrown away. Bodies are read back only on
   * this path, which only retries take.
   */
  private async duplicateOf(existing: StoreResult, turn: TurnRecord): Promise<StoreResult> {
    const stored = await (await this.db()).turn.findUnique({ where: { id: existing.turnId }, select: { requestBody: true, responseBody: true } });
    if (stored && sameBytes(stored.requestBody, turn.requestBody) && sameBytes(stored.responseBody, turn.responseBody)) return existing;
    throw new InvalidTurnError(
      'request_id_conflict',
      `request_id ${JSON.stringify(turn.requestId)} is already stored (turn ${existing.turnId}) with different content; a different turn needs its own request_id`,
      'requestId',
    );
  }

  private async findStored(requestId: string): Promise<StoreResult | null> {
    const row = await (await this.db()).turn.findUnique({
      where: { requestId },
      select: { id: true, headHash: true, nodeCount: true, newNodeCount: true },
    });
    return row
      ? { status: 'duplicate', turnId: row.id, headHash: row.headHash, nodeCount: row.nodeCount, newNodeCount: row.newNodeCount }
      : null;
  }

  /**
   * Before the transaction, in one round trip: is this requestId stored already (→ duplicate), and
   * does the first node's parent exist (→ else missing_parent)? Both are re-checked by constraints
   * inside the transaction (unique request_id, the parent foreign key), so a race only changes which
   * path reports it.
   */
  private async preflight(
    requestId: string,
    parentHash: string | null,
    direct?: Queryable,
  ): Promise<{ existing: StoreResult | null; parentFound: boolean }> {
    const db = direct ?? (await this.db());
    const p = this.d.param.bind(this.d);
    const rows = await db.$queryRawUnsafe<
      { parent_found: number | bigint; id: string | null; head_hash: string | null; node_count: number | bigint | null; new_node_count: number | bigint | null }[]
    >(
      `SELECT (SELECT COUNT(*) FROM nodes WHERE hash = ${p(1)}) AS parent_found,
              t.id, t.head_hash, t.node_count, t.new_node_count
         FROM (SELECT 1 AS one) q LEFT JOIN turns t ON t.request_id = ${p(2)}`,
      parentHash,
      requestId,
    );
    const row = rows[0];
    const existing: StoreResult | null =
      row?.id != null
        ? {
            status: 'duplicate',
            turnId: row.id,
            headHash: row.head_hash,
            nodeCount: Number(row.node_count),
            newNodeCount: Number(row.new_node_count),
          }
        : null;
    return { existing, parentFound: Number(row?.parent_found ?? 0) > 0 };
  }

  async getNode(hash: string): Promise<StoredNode | null> {
    if (typeof hash !== 'string') return null;
    return this.run(async () => {
      const rows = await (await this.db()).$queryRawUnsafe<NodeRow[]>(
        `SELECT ${this.nodeColumns('n')} FROM nodes n WHERE n.hash = ${this.d.param(1)}`,
        hash,
      );
      return rows[0] ? toStoredNode(rows[0]) : null;
    });
  }

  async ancestry(hash: string, options: AncestryOptions = {}): Promise<AncestryResult | null> {
    const limit = options.limit === undefined ? Infinity : Math.max(1, Math.floor(options.limit));
    return this.run(async () => {
      const db = await this.db();
      const nodes: StoredNode[] = [];
      const seen = new Set<string>();
      let next: string | null = hash;
      // Batches of one recursive query each, so any depth works with bounded memory per query and
      // no recursion cap that would report a false missing parent (ref §13 item 11).
      while (next !== null) {
        const want = Math.min(ANCESTRY_BATCH, limit - nodes.length);
        const rows = await this.ancestryBatch(db, next, want);
        if (rows.length === 0) {
          if (nodes.length === 0) return null; // the start node itself is not stored
          return { nodes, complete: false, missingParent: next };
        }
        for (const row of rows) {
          if (seen.has(row.hash)) return { nodes, complete: false, cycle: true };
          seen.add(row.hash);
          nodes.push(toStoredNode(row));
        }
        next = rows[rows.length - 1]?.parent_hash ?? null;
        if (next === null) return { nodes, complete: true };
        if (rows.length < want) return { nodes, complete: false, missingParent: next };
        if (nodes.length >= limit) return { nodes, complete: false, truncated: true };
      }
      return { nodes, complete: true };
    });
  }

  private ancestryBatch(db: Queryable, start: string, max: number): Promise<NodeRow[]> {
    const p = this.d.param.bind(this.d);
    return db.$queryRawUnsafe<NodeRow[]>(
      `WITH RECURSIVE chain(hash, parent_hash, depth) AS (
         SELECT hash, parent_hash, 0 FROM nodes WHERE hash = ${p(1)}
         UNION ALL
         SELECT n.hash, n.parent_hash, c.depth + 1 FROM chain c JOIN nodes n ON n.hash = c.parent_hash
          WHERE c.depth + 1 < ${p(2)}
       )
       SELECT ${this.nodeColumns('n')}, c.depth AS depth FROM chain c JOIN nodes n ON n.hash = c.hash ORDER BY c.depth`,
      start,
      max,
    );
  }

  async listNodes(options: ListOptions = {}): Promise<Page<StoredNode>> {
    return this.page(options, 'asc', false);
  }

  async leaves(options: ListOptions = {}): Promise<Page<StoredNode>> {
    return this.page(options, 'desc', true);
  }

  private async page(options: ListOptions, order: 'asc' | 'desc', leavesOnly: boolean): Promise<Page<StoredNode>> {
    const limit = pageSize(options.limit);
    const after = options.cursor === undefined || options.cursor === '' ? null : decodeCursor(options.cursor);
    return this.run(async () => {
      const where: string[] = [];
      const params: unknown[] = [];
      const p = () => this.d.param(params.length);
      if (leavesOnly) where.push('NOT EXISTS (SELECT 1 FROM nodes c WHERE c.parent_hash = n.hash)');
      if (options.agent !== undefined) {
        params.push(toColumn(options.agent));
        where.push(`n.agent_name = ${p()}`);
      }
      if (after) {
        params.push(after.t);
        const t = this.d.timestamp(params.length);
        params.push(after.h);
        where.push(`(n.created_at, n.hash) ${order === 'asc' ? '>' : '<'} (${t}, ${p()})`);
      }
      params.push(limit + 1);
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      const rows = await (await this.db()).$queryRawUnsafe<NodeRow[]>(
        `SELECT ${this.nodeColumns('n')} FROM nodes n ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY n.created_at ${dir}, n.hash ${dir} LIMIT ${p()}`,
        ...params,
      );
      const items = rows.slice(0, limit).map(toStoredNode);
      const last = items[items.length - 1];
      return rows.length > limit && last ? { items, nextCursor: encodeCursor({ t: last.created_at, h: last.hash }) } : { items };
    });
  }

  async getTurn(idOrRequestId: string, options: GetTurnOptions = {}): Promise<StoredTurn | null> {
    if (typeof idOrRequestId !== 'string' || idOrRequestId === '') return null;
    const bodies = options.bodies ?? true;
    return this.run(async () => {
      const omit = bodies ? {} : { requestBody: true, responseBody: true } as const;
      const db = await this.db();
      // By id first: a turn id is a uuid, so it can only collide with a requestId by contrivance.
      const row =
        (await db.turn.findUnique({ where: { id: toColumn(idOrRequestId) }, omit })) ??
        (await db.turn.findUnique({ where: { requestId: toColumn(idOrRequestId) }, omit }));
      return row ? toStoredTurn(row) : null;
    });
  }

  /** Creates the full-text index over turn_text if it is missing (it lives outside the migrations). */
  async prepareSearchIndex(): Promise<void> {
    await this.run(async () => ensureSearchIndex(await this.sql(), this.d));
  }

  async listSessions(query: SessionQuery = {}): Promise<Page<SessionRow>> {
    return this.run(async () => new SessionQueries(await this.db(), this.d).list(query));
  }

  async getSession(id: string): Promise<SessionRow | null> {
    if (typeof id !== 'string' || id === '') return null;
    return this.run(async () => new SessionQueries(await this.db(), this.d).get(toColumn(id)));
  }

  async sessionTurns(id: string): Promise<TurnSummary[]> {
    return this.run(async () => new SessionQueries(await this.db(), this.d).turns(toColumn(id)));
  }

  async search(text: string, options: { limit?: number; cursor?: string; session?: string } = {}): Promise<Page<SearchHit>> {
    return this.run(async () => searchTurns(await this.db(), this.d, text, options));
  }

  async deleteSession(id: string): Promise<{ turns: number; nodes: number } | null> {
    return this.run(async () => (await this.db()).$transaction((tx) => deleteSessionIn(tx, this.d, toColumn(id)), this.options.transaction));
  }

  async expireSessions(cutoff: Date, options: { limit?: number } = {}): Promise<{ sessions: number; turns: number; nodes: number }> {
    const ids = await this.run(async () => new SessionQueries(await this.db(), this.d).endedBefore(cutoff, options.limit ?? 100));
    const total = { sessions: 0, turns: 0, nodes: 0 };
    // One transaction per session, as DELETE sessions/:id: a sweep never holds the database long.
    for (const id of ids) {
      const deleted = await this.deleteSession(id);
      if (!deleted) continue; // another replica's sweep got there first
      total.sessions += 1;
      total.turns += deleted.turns;
      total.nodes += deleted.nodes;
    }
    return total;
  }

  async listTurnIds(options: ListTurnIdsOptions = {}): Promise<string[]> {
    // Plain SQL, so that on SQLite the startup session backfill (#14), which asks this first, runs
    // on the direct connection and a capturing proxy never loads Prisma for it (#17). Times are
    // bound as Dates, as Prisma binds them, so they compare with the stored DateTime columns.
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return this.d.param(params.length);
    };
    const t = (value: Date) => {
      params.push(value);
      return this.d.timestamp(params.length);
    };
    const where: string[] = [];
    if (options.after) where.push(`id > ${p(options.after)}`);
    if (options.withoutSession) where.push('session_id IS NULL');
    if (options.since) where.push(`(started_at >= ${t(options.since)} OR (started_at IS NULL AND created_at >= ${t(options.since)}))`);
    // Ids only, so pages may be long: up to 10,000.
    const limit = p(Math.min(10_000, Math.max(1, Math.floor(options.limit ?? 1_000))));
    const rows = await this.run(async () =>
      (await this.sql()).$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM turns ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ASC LIMIT ${limit}`, ...params),
    );
    return rows.map((r) => r.id);
  }

  async rederiveTurn(turnId: string, turn: TurnRecord, options: { dryRun?: boolean } = {}): Promise<RederiveResult | null> {
    // Checked and written exactly as storeTurn checks and writes (hashes on the record as given, text in its column form).
    const valid = columnForm(validateTurn(turn, this.options.limits));
    return this.run(async () => (await this.db()).$transaction((tx) => rederiveTurnIn(tx, this.d, valid, turnId, this.options.clock, options.dryRun === true), this.options.transaction));
  }

  async stats(options: { since?: Date; until?: Date } = {}): Promise<Stats> {
    return this.run(async () => statsOf(await this.db(), this.d, options));
  }

  async hasTurn(requestId: string): Promise<boolean> {
    return this.run(async () => (await (await this.db()).turn.count({ where: { requestId: toColumn(requestId) } })) > 0);
  }

  async counts(): Promise<{ nodes: number; turns: number }> {
    return this.run(async () => {
      const db = await this.db();
      const [nodes, turns] = [await db.node.count(), await db.turn.count()];
      return { nodes, turns };
    });
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      await (await this.sql()).$queryRawUnsafe('SELECT 1');
    });
  }

  async close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        this.options.directWrite?.close();
        const client = await this.prisma?.catch(() => undefined);
        await client?.$disconnect();
      } finally {
        await this.options.onClose?.();
      }
    })();
    return this.closed;
  }

  /** Every public operation goes through here: closed check, serialisation, error classification. */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageUnavailableError('closed', 'the store is closed');
    try {
      return await this.options.serialize(operation);
    } catch (error) {
      if (error instanceof InvalidTurnError) throw error;
      throw await this.options.classifyError(error);
    }
  }

  private nodeColumns(alias: string): string {
    return [...NODE_COLUMNS.map((c) => `${alias}.${c}`), `${this.d.createdAt(alias)} AS created_at`].join(', ');
  }
}

/** An INSERT of one row, its fields named as in the Prisma model (camelCase → the snake_case columns). */
async function insertRow(tx: Queryable, table: string, data: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(data).map((field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  await tx.$executeRawUnsafe(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, ...Object.values(data));
}

function missingParent(hash: string): InvalidTurnError {
  return new InvalidTurnError(
    'missing_parent',
    `the first node's parent ${hash.slice(0, 12)}… is not stored: store the turn that produced it first`,
    'nodes[0].parent_hash',
  );
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

/** Stored bodies are null when the turn had none; an absent and an empty body are the same content. */
function sameBytes(stored: Uint8Array | null, incoming: Uint8Array | undefined): boolean {
  const a = stored ?? new Uint8Array(0);
  const b = incoming ?? new Uint8Array(0);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function bytesOrNull(bytes: Uint8Array | undefined): Uint8Array<ArrayBuffer> | null {
  if (bytes === undefined) return null;
  // Prisma wants a Uint8Array over a plain ArrayBuffer; a Buffer from the pool is a view on a slab.
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

function toStoredNode(row: NodeRow): StoredNode {
  const bucket: Bucket = {
    type: fromColumn(row.type),
    role: fromColumn(row.role),
    content: JSON.parse(row.content) as Bucket['content'],
    model: fromColumn(row.model),
    provider: fromColumn(row.provider),
  };
  if (row.agent_name) bucket.agent_name = fromColumn(row.agent_name);
  const node: StoredNode = { hash: row.hash, parent_hash: row.parent_hash, bucket, created_at: row.created_at };
  if (row.stop_reason) node.stop_reason = fromColumn(row.stop_reason);
  if (row.usage) node.usage = JSON.parse(row.usage) as Usage;
  if (row.project) node.project = fromColumn(row.project);
  if (row.turn_id) node.turn_id = row.turn_id;
  return node;
}

type TurnRow = Awaited<ReturnType<StorageClient['turn']['findFirstOrThrow']>>;

function toStoredTurn(row: Partial<TurnRow> & Omit<TurnRow, 'requestBody' | 'responseBody'>): StoredTurn {
  const turn: StoredTurn = {
    id: row.id,
    requestId: fromColumn(row.requestId),
    provider: fromColumn(row.provider),
    captureSite: row.captureSite as CaptureSite,
    headHash: row.headHash,
    nodeCount: row.nodeCount,
    newNodeCount: row.newNodeCount,
    outcome: row.outcome as TurnOutcome,
    diagnostics: JSON.parse(row.diagnostics) as Diagnostic[],
    createdAt: row.createdAt,
    sessionId: fromColumn(row.sessionId),
    threadId: fromColumn(row.threadId),
    harnessId: fromColumn(row.harnessId),
    harnessVersion: fromColumn(row.harnessVersion),
    sessionEnvelope: row.sessionEnvelope ? (JSON.parse(row.sessionEnvelope) as Record<string, unknown>) : null,
    model: fromColumn(row.model),
    tokens: {
      input: row.inputTokens ?? 0,
      output: row.outputTokens ?? 0,
      cacheWrite: row.cacheWriteTokens ?? 0,
      cacheRead: row.cacheReadTokens ?? 0,
      reasoning: row.reasoningTokens ?? 0,
    },
    costUsd: row.costUsd,
    priceVersion: row.priceVersion,
  };
  if (row.api !== null) turn.api = fromColumn(row.api);
  if (row.agentName !== null) turn.agentName = fromColumn(row.agentName);
  if (row.method !== null) turn.method = fromColumn(row.method);
  if (row.path !== null) turn.path = fromColumn(row.path);
  if (row.status !== null) turn.status = row.status;
  if (row.requestHeaders !== null) turn.requestHeaders = JSON.parse(row.requestHeaders) as HeaderRecord;
  if (row.requestBody != null) turn.requestBody = row.requestBody;
  if (row.responseHeaders !== null) turn.responseHeaders = JSON.parse(row.responseHeaders) as HeaderRecord;
  if (row.responseBody != null) turn.responseBody = row.responseBody;
  if (row.responseContentType !== null) turn.responseContentType = fromColumn(row.responseContentType);
  if (row.responseContentEncoding !== null) turn.responseContentEncoding = fromColumn(row.responseContentEncoding);
  if (row.startedAt !== null) turn.startedAt = row.startedAt;
  if (row.firstByteAt !== null) turn.firstByteAt = row.firstByteAt;
  if (row.endedAt !== null) turn.endedAt = row.endedAt;
  if (row.responseChunks) turn.responseChunks = JSON.parse(row.responseChunks) as ChunkMark[];
  return turn;
}

/** Prisma's P2002 on the given column (turns.request_id), by code and target, never by message. */
function isUniqueViolation(error: unknown, column: string): boolean {
  const e = error as { code?: unknown; meta?: { target?: unknown; driverAdapterError?: unknown } };
  if (e?.code !== 'P2002') return false;
  const target = JSON.stringify(e.meta ?? {});
  return target.includes(column) || target.includes('requestId') || target.includes('turns_request_id_key');
}

function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'P2003';
}
