import type { Diagnostic } from '@tapes/llm';
import type { TurnOutcome } from '@tapes/capture';
import type { SqlDialect } from './sql-dialect';
import { decodeQueryCursor, encodeQueryCursor } from './query-cursor';
import { searchMatchSql } from './search-index';
import { fromColumn, toColumn } from './column-text';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type SessionQuery, type SessionRow, type SessionSort, type TokenCounts, type TurnSummary } from './turn-store';

export interface Queryable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

interface SessionDbRow {
  id: string;
  name: string | null;
  harness_id: string | null;
  harness_version: string | null;
  agent_name: string | null;
  cwd: string | null;
  parent_id: string | null;
  metadata: string | null;
  first_prompt: string | null;
  started_at: string;
  ended_at: string;
  turn_count: number | bigint;
  complete_count: number | bigint;
  partial_count: number | bigint;
  unreduced_count: number | bigint;
  input_tokens: number | bigint;
  output_tokens: number | bigint;
  cache_write_tokens: number | bigint;
  cache_read_tokens: number | bigint;
  reasoning_tokens: number | bigint;
  cost_usd: number | null;
  sort_key: string | number | null;
}

/** The ORDER BY key of each sort (newest / most expensive / biggest first); ties break on id. */
function sortKey(d: SqlDialect, sort: SessionSort): { expr: string; kind: 'time' | 'number' } {
  switch (sort) {
    case 'start':
      return { expr: d.isoText('s.started_at'), kind: 'time' };
    case 'end':
      return { expr: d.isoText('s.ended_at'), kind: 'time' };
    case 'cost':
      return { expr: 'COALESCE(s.cost_usd, -1)', kind: 'number' };
    case 'tokens':
      return { expr: '(s.input_tokens + s.output_tokens + s.cache_write_tokens + s.cache_read_tokens)', kind: 'number' };
  }
}

/**
 * The read side of sessions (#14), written once for both backends: the list (filters, four sorts,
 * keyset pages), one session, and its turns.
 */
export class SessionQueries {
  constructor(
    private readonly db: Queryable,
    private readonly d: SqlDialect,
  ) {}

  /** Sessions whose last turn ended before `cutoff`, the oldest first (what retention deletes). */
  async endedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const rows = await this.db.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM sessions WHERE ended_at < ${this.d.timestamp(1)} ORDER BY ended_at, id LIMIT ${Math.max(1, Math.floor(limit))}`, micros(cutoff));
    return rows.map((r) => fromColumn(r.id));
  }

  async list(query: SessionQuery = {}): Promise<Page<SessionRow>> {
    const sort = query.sort ?? 'start';
    const limit = pageSize(query.limit);
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return this.d.param(params.length);
    };
    const ts = (value: string) => {
      params.push(value);
      return this.d.timestamp(params.length);
    };
    const where: string[] = [];
    if (query.agent !== undefined) where.push(`s.agent_name = ${p(toColumn(query.agent))}`);
    if (query.harness !== undefined) where.push(`s.harness_id = ${p(toColumn(query.harness))}`);
    if (query.cwd !== undefined) where.push(`(s.cwd = ${p(query.cwd)} OR s.cwd LIKE ${p(`${escapeLike(query.cwd.replace(/\/+$/, ''))}/%`)} ESCAPE '\\')`);
    if (query.model !== undefined) where.push(`EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id AND t.model = ${p(toColumn(query.model))})`);
    if (query.since !== undefined) where.push(`s.ended_at >= ${ts(micros(query.since))}`);
    if (query.until !== undefined) where.push(`s.started_at <= ${ts(micros(query.until))}`);
    if (query.text !== undefined && query.text.trim() !== '') {
      const match = searchMatchSql(this.d, query.text, p);
      if (!match) return { items: [] };
      where.push(`s.id IN (SELECT tt.session_id FROM turn_text tt WHERE ${match})`);
    }
    const key = sortKey(this.d, sort);
    if (query.cursor) {
      const cursor = decodeQueryCursor(query.cursor, `sessions:${sort}`);
      const k = key.kind === 'time' ? p(cursor.k) : `${p(Number(cursor.k))}`;
      where.push(`(${key.expr} < ${k} OR (${key.expr} = ${p(cursor.k)} AND s.id < ${p(cursor.i)}))`);
    }
    const rows = await this.db.$queryRawUnsafe<SessionDbRow[]>(
      `SELECT ${this.columns()}, ${key.expr} AS sort_key FROM sessions s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${key.expr} DESC, s.id DESC LIMIT ${p(limit + 1)}`,
      ...params,
    );
    const items = await this.withTurnFacts(rows.slice(0, limit));
    const last = rows[Math.min(rows.length, limit) - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeQueryCursor({ s: `sessions:${sort}`, k: numberOrString(last.sort_key), i: last.id }) } : { items };
  }

  async get(id: string): Promise<SessionRow | null> {
    const rows = await this.db.$queryRawUnsafe<SessionDbRow[]>(`SELECT ${this.columns()}, NULL AS sort_key FROM sessions s WHERE s.id = ${this.d.param(1)}`, id);
    const [row] = await this.withTurnFacts(rows);
    return row ?? null;
  }

  async turns(sessionId: string): Promise<TurnSummary[]> {
    const d = this.d;
    const rows = await this.db.$queryRawUnsafe<TurnDbRow[]>(
      `SELECT t.id, t.request_id, t.session_id, t.thread_id, t.provider, t.api, t.agent_name, t.model, t.outcome, t.diagnostics, t.head_hash,
              t.node_count, t.new_node_count, t.input_tokens, t.output_tokens, t.cache_write_tokens, t.cache_read_tokens, t.reasoning_tokens,
              t.cost_usd, ${d.isoText('t.started_at')} AS started_at, ${d.isoText('t.first_byte_at')} AS first_byte_at, ${d.isoText('t.ended_at')} AS ended_at
         FROM turns t WHERE t.session_id = ${d.param(1)}
        ORDER BY t.started_at, t.created_at, t.id`,
      sessionId,
    );
    return rows.map(toTurnSummary);
  }

  private columns(): string {
    const d = this.d;
    return `s.id, s.name, s.harness_id, s.harness_version, s.agent_name, s.cwd, s.parent_id, s.metadata, s.first_prompt,
            ${d.isoText('s.started_at')} AS started_at, ${d.isoText('s.ended_at')} AS ended_at, s.turn_count, s.complete_count, s.partial_count,
            s.unreduced_count, s.input_tokens, s.output_tokens, s.cache_write_tokens, s.cache_read_tokens, s.reasoning_tokens, s.cost_usd`;
  }

  /** Thread counts and models, for the sessions of one page, in two small grouped queries. */
  private async withTurnFacts(rows: SessionDbRow[]): Promise<SessionRow[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const list = this.d.jsonArray(1);
    const threads = await this.db.$queryRawUnsafe<{ session_id: string; threads: number | bigint }[]>(
      `SELECT t.session_id, COUNT(DISTINCT t.thread_id) AS threads FROM turns t WHERE t.session_id IN (SELECT value FROM ${list}) GROUP BY t.session_id`,
      JSON.stringify(ids),
    );
    const models = await this.db.$queryRawUnsafe<{ session_id: string; model: string; n: number | bigint }[]>(
      `SELECT t.session_id, t.model, COUNT(*) AS n FROM turns t WHERE t.session_id IN (SELECT value FROM ${list}) AND t.model IS NOT NULL
        GROUP BY t.session_id, t.model ORDER BY n DESC, t.model`,
      JSON.stringify(ids),
    );
    const threadsOf = new Map(threads.map((t) => [t.session_id, Number(t.threads)]));
    const modelsOf = new Map<string, string[]>();
    for (const m of models) modelsOf.set(m.session_id, [...(modelsOf.get(m.session_id) ?? []), fromColumn(m.model)]);
    return rows.map((r) => ({
      id: fromColumn(r.id),
      name: fromColumn(r.name),
      harnessId: fromColumn(r.harness_id),
      harnessVersion: fromColumn(r.harness_version),
      agentName: fromColumn(r.agent_name),
      cwd: fromColumn(r.cwd),
      parentId: fromColumn(r.parent_id),
      metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : null,
      firstPrompt: r.first_prompt,
      startedAt: iso(r.started_at) as string,
      endedAt: iso(r.ended_at) as string,
      turnCount: Number(r.turn_count),
      threadCount: threadsOf.get(r.id) ?? 0,
      outcomes: { complete: Number(r.complete_count), partial: Number(r.partial_count), unreduced: Number(r.unreduced_count) },
      tokens: {
        input: Number(r.input_tokens),
        output: Number(r.output_tokens),
        cacheWrite: Number(r.cache_write_tokens),
        cacheRead: Number(r.cache_read_tokens),
        reasoning: Number(r.reasoning_tokens),
      },
      costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
      models: modelsOf.get(r.id) ?? [],
    }));
  }
}

interface TurnDbRow {
  id: string;
  request_id: string;
  session_id: string | null;
  thread_id: string;
  provider: string;
  api: string | null;
  agent_name: string | null;
  model: string | null;
  outcome: string;
  diagnostics: string;
  head_hash: string | null;
  node_count: number | bigint;
  new_node_count: number | bigint;
  input_tokens: number | bigint | null;
  output_tokens: number | bigint | null;
  cache_write_tokens: number | bigint | null;
  cache_read_tokens: number | bigint | null;
  reasoning_tokens: number | bigint | null;
  cost_usd: number | null;
  started_at: string | null;
  first_byte_at: string | null;
  ended_at: string | null;
}

function toTurnSummary(r: TurnDbRow): TurnSummary {
  const tokens: TokenCounts = {
    input: Number(r.input_tokens ?? 0),
    output: Number(r.output_tokens ?? 0),
    cacheWrite: Number(r.cache_write_tokens ?? 0),
    cacheRead: Number(r.cache_read_tokens ?? 0),
    reasoning: Number(r.reasoning_tokens ?? 0),
  };
  return {
    id: r.id,
    requestId: fromColumn(r.request_id),
    sessionId: fromColumn(r.session_id),
    threadId: fromColumn(r.thread_id),
    provider: fromColumn(r.provider),
    ...(r.api !== null ? { api: fromColumn(r.api) } : {}),
    ...(r.agent_name !== null ? { agentName: fromColumn(r.agent_name) } : {}),
    model: fromColumn(r.model),
    outcome: r.outcome as TurnOutcome,
    diagnostics: JSON.parse(r.diagnostics) as Diagnostic[],
    headHash: r.head_hash,
    nodeCount: Number(r.node_count),
    newNodeCount: Number(r.new_node_count),
    tokens,
    costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
    startedAt: iso(r.started_at),
    firstByteAt: iso(r.first_byte_at),
    endedAt: iso(r.ended_at),
  };
}

/** Timestamps as ISO 8601 UTC (the two backends store them in different text forms). */
export function iso(value: string | null): string | null {
  if (value === null) return null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

function micros(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

function numberOrString(value: string | number | bigint | null): string | number | null {
  return typeof value === 'bigint' ? Number(value) : value;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
