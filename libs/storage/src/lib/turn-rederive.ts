import type { TurnOutcome } from '@tapes/capture';
import { InvalidTurnError } from './errors';
import { formatMicros, type Micros } from './micro-clock';
import { insertNodes } from './node-insert';
import { sessionUpsert } from './session-write';
import type { SqlDialect } from './sql-dialect';
import { newNodesText } from './turn-facts';
import type { ValidatedTurn } from './validate-turn';

interface Tx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** What a turn's derivation says, before and after a re-derivation (the fields `tapes rederive` reports). */
export interface DerivationFacts {
  outcome: TurnOutcome;
  headHash: string | null;
  nodeCount: number;
  sessionId: string | null;
  threadId: string;
  harnessId: string | null;
  model: string | null;
  /** Diagnostic codes, in order. */
  diagnostics: string[];
}

export interface RederiveResult {
  turnId: string;
  /** `unchanged`: the stored derivation already is this one; nothing was written. */
  status: 'changed' | 'unchanged';
  /** The stored columns that differ (`outcome`, `head_hash`, `session_id`, `tokens`, …); empty when unchanged. */
  changed: string[];
  before: DerivationFacts;
  after: DerivationFacts;
  /** Nodes that did not exist before this re-derivation (0 on a dry run). */
  createdNodes: number;
}

interface TurnRow {
  id: string;
  request_id: string;
  session_id: string | null;
  thread_id: string;
  harness_id: string | null;
  harness_version: string | null;
  session_envelope: string | null;
  model: string | null;
  outcome: string;
  diagnostics: string;
  head_hash: string | null;
  node_count: number | bigint;
  input_tokens: number | bigint | null;
  output_tokens: number | bigint | null;
  cache_write_tokens: number | bigint | null;
  cache_read_tokens: number | bigint | null;
  reasoning_tokens: number | bigint | null;
  cost_usd: number | null;
  price_version: string | null;
}

/**
 * Replaces one stored turn's derivation — its nodes, outcome, diagnostics and session columns,
 * its search text and its sessions' rows — with `valid` (the same raw bytes reduced again), inside
 * the caller's transaction. The raw bytes, ids and timings are never touched.
 *
 * Nodes are content-addressed and shared, so the old chain's nodes stay (other turns may reach
 * them); new ones are inserted naming this turn. The session rows are re-folded from their turns:
 * a turn that moves session (the backfill of turns stored before sessions existed, session_id
 * NULL; or `root:<hash>` → the harness's id after a fix) leaves the old session's totals and span
 * and joins the new one's; a session left without turns is removed.
 *
 * Idempotent: when every derived column already holds the new value nothing is written
 * (`unchanged`). `dryRun` compares and writes nothing. Null when the turn does not exist.
 */
export async function rederiveTurnIn(tx: Tx, d: SqlDialect, valid: ValidatedTurn, turnId: string, clock: () => Micros, dryRun: boolean): Promise<RederiveResult | null> {
  const lock = d.backend === 'postgresql' ? ' FOR UPDATE' : '';
  const rows = await tx.$queryRawUnsafe<TurnRow[]>(
    `SELECT id, request_id, session_id, thread_id, harness_id, harness_version, session_envelope, model, outcome, diagnostics, head_hash, node_count,
            input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, reasoning_tokens, cost_usd, price_version
       FROM turns WHERE id = ${d.param(1)}${lock}`,
    turnId,
  );
  const row = rows[0];
  if (!row) return null;
  const { turn, facts } = valid;
  if (turn.requestId !== row.request_id) throw new InvalidTurnError('invalid_field', `the derivation is of request ${turn.requestId}, turn ${turnId} is request ${row.request_id}`, 'requestId');

  const nodes = turn.nodes;
  const headHash = nodes.at(-1)?.hash ?? null;
  const tokens = facts.tokens;
  const now: Record<string, unknown> = {
    outcome: turn.outcome,
    diagnostics: valid.diagnosticsJson,
    head_hash: headHash,
    node_count: nodes.length,
    session_id: facts.sessionId,
    thread_id: facts.threadId,
    harness_id: facts.harnessId,
    harness_version: facts.harnessVersion,
    session_envelope: facts.sessionEnvelopeJson,
    model: facts.model,
    tokens: [tokens.input, tokens.output, tokens.cacheWrite, tokens.cacheRead, tokens.reasoning],
    cost: [facts.costUsd, facts.priceVersion],
  };
  const was: Record<string, unknown> = {
    outcome: row.outcome,
    diagnostics: row.diagnostics,
    head_hash: row.head_hash,
    node_count: Number(row.node_count),
    session_id: row.session_id,
    thread_id: row.thread_id,
    harness_id: row.harness_id,
    harness_version: row.harness_version,
    session_envelope: row.session_envelope,
    model: row.model,
    tokens: [row.input_tokens, row.output_tokens, row.cache_write_tokens, row.cache_read_tokens, row.reasoning_tokens].map((v) => (v === null ? null : Number(v))),
    cost: [row.cost_usd === null ? null : Number(row.cost_usd), row.price_version],
  };
  const changed = Object.keys(now).filter((key) => JSON.stringify(now[key]) !== JSON.stringify(was[key]));
  const before: DerivationFacts = {
    outcome: row.outcome as TurnOutcome,
    headHash: row.head_hash,
    nodeCount: Number(row.node_count),
    sessionId: row.session_id,
    threadId: row.thread_id,
    harnessId: row.harness_id,
    model: row.model,
    diagnostics: codes(row.diagnostics),
  };
  const after: DerivationFacts = {
    outcome: turn.outcome,
    headHash,
    nodeCount: nodes.length,
    sessionId: facts.sessionId,
    threadId: facts.threadId,
    harnessId: facts.harnessId,
    model: facts.model,
    diagnostics: (turn.diagnostics ?? []).map((x) => x.code),
  };
  if (changed.length === 0 || dryRun) return { turnId, status: changed.length === 0 ? 'unchanged' : 'changed', changed, before, after, createdNodes: 0 };

  const first = nodes[0];
  if (first?.parent_hash) {
    const parent = await tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM nodes WHERE hash = ${d.param(1)}`, first.parent_hash);
    if (parent.length === 0) throw new InvalidTurnError('missing_parent', `the first node's parent ${first.parent_hash} is not stored`, 'nodes[0].parent_hash');
  }
  const created = await insertNodes(tx, d, valid, turnId, clock);
  // The chain's nodes this turn stored (now or when first derived): its count and its search text.
  const own = new Set(
    (
      await tx.$queryRawUnsafe<{ hash: string }[]>(`SELECT hash FROM nodes WHERE turn_id = ${d.param(1)} AND hash IN (SELECT value FROM ${d.jsonArray(2)})`, turnId, JSON.stringify(nodes.map((n) => n.hash)))
    ).map((r) => r.hash),
  );
  await tx.$executeRawUnsafe(
    `UPDATE turns SET outcome = ${d.param(1)}, diagnostics = ${d.param(2)}, head_hash = ${d.param(3)}, node_count = ${d.param(4)}, new_node_count = ${d.param(5)},
            session_id = ${d.param(6)}, thread_id = ${d.param(7)}, harness_id = ${d.param(8)}, harness_version = ${d.param(9)}, session_envelope = ${d.param(10)},
            model = ${d.param(11)}, input_tokens = ${d.param(12)}, output_tokens = ${d.param(13)}, cache_write_tokens = ${d.param(14)}, cache_read_tokens = ${d.param(15)},
            reasoning_tokens = ${d.param(16)}, cost_usd = ${d.param(17)}, price_version = ${d.param(18)}
      WHERE id = ${d.param(19)}`,
    turn.outcome,
    valid.diagnosticsJson,
    headHash,
    nodes.length,
    own.size,
    facts.sessionId,
    facts.threadId,
    facts.harnessId,
    facts.harnessVersion,
    facts.sessionEnvelopeJson,
    facts.model,
    tokens.input,
    tokens.output,
    tokens.cacheWrite,
    tokens.cacheRead,
    tokens.reasoning,
    facts.costUsd,
    facts.priceVersion,
    turnId,
  );
  await tx.$executeRawUnsafe(`DELETE FROM turn_text WHERE turn_id = ${d.param(1)}`, turnId);
  const text = newNodesText(facts, (i) => own.has(nodes[i]?.hash ?? ''));
  if (text) await tx.$executeRawUnsafe(`INSERT INTO turn_text (turn_id, session_id, text) VALUES (${d.param(1)}, ${d.param(2)}, ${d.param(3)})`, turnId, facts.sessionId, text);

  if (facts.sessionId !== null) {
    // Creates the row, or merges what this turn says about the session (name, cwd, first prompt…);
    // the totals it adds are recounted below.
    const params: unknown[] = [];
    const sql = sessionUpsert(d, { ...facts, sessionId: facts.sessionId }, turn, (value, type) => {
      params.push(value);
      return type === 'timestamptz' ? d.timestamp(params.length) : d.param(params.length);
    });
    await tx.$executeRawUnsafe(sql, ...params);
  }
  for (const id of new Set([row.session_id, facts.sessionId])) if (id !== null) await refoldSession(tx, d, id);
  return { turnId, status: 'changed', changed, before, after, createdNodes: created.size };
}

interface Totals {
  n: number | bigint;
  complete: number | bigint | null;
  partial: number | bigint | null;
  unreduced: number | bigint | null;
  input: number | bigint | null;
  output: number | bigint | null;
  cache_write: number | bigint | null;
  cache_read: number | bigint | null;
  reasoning: number | bigint | null;
  cost: number | null;
  first: string | Date | null;
  last: string | Date | null;
}

/** A session row's counts, token and cost totals and time span, recounted from its turns; removed when it has none. */
async function refoldSession(tx: Tx, d: SqlDialect, id: string): Promise<void> {
  const outcome = (o: string) => `SUM(CASE WHEN outcome = '${o}' THEN 1 ELSE 0 END)`;
  const totals = (
    await tx.$queryRawUnsafe<Totals[]>(
      `SELECT COUNT(*) AS n, ${outcome('complete')} AS complete, ${outcome('partial')} AS partial, ${outcome('unreduced')} AS unreduced,
              SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cache_write_tokens) AS cache_write, SUM(cache_read_tokens) AS cache_read,
              SUM(reasoning_tokens) AS reasoning, SUM(cost_usd) AS cost,
              ${d.isoText('MIN(COALESCE(started_at, ended_at, created_at))')} AS first, ${d.isoText('MAX(COALESCE(ended_at, started_at, created_at))')} AS last
         FROM turns WHERE session_id = ${d.param(1)}`,
      id,
    )
  )[0];
  if (!totals || Number(totals.n) === 0) {
    await tx.$executeRawUnsafe(`DELETE FROM sessions WHERE id = ${d.param(1)}`, id);
    return;
  }
  const n = (v: number | bigint | null) => Number(v ?? 0);
  await tx.$executeRawUnsafe(
    `UPDATE sessions SET turn_count = ${d.param(1)}, complete_count = ${d.param(2)}, partial_count = ${d.param(3)}, unreduced_count = ${d.param(4)},
            input_tokens = ${d.param(5)}, output_tokens = ${d.param(6)}, cache_write_tokens = ${d.param(7)}, cache_read_tokens = ${d.param(8)},
            reasoning_tokens = ${d.param(9)}, cost_usd = ${d.param(10)}, started_at = ${d.timestamp(11)}, ended_at = ${d.timestamp(12)}
      WHERE id = ${d.param(13)}`,
    n(totals.n),
    n(totals.complete),
    n(totals.partial),
    n(totals.unreduced),
    n(totals.input),
    n(totals.output),
    n(totals.cache_write),
    n(totals.cache_read),
    n(totals.reasoning),
    totals.cost === null ? null : Number(totals.cost),
    micros(totals.first),
    micros(totals.last),
    id,
  );
}

/** A timestamp as read back (either backend's text, or a Date) in the fixed-width form the sessions table holds. */
function micros(value: string | Date | null): string {
  const ms = value instanceof Date ? value.getTime() : value === null ? Date.now() : Date.parse(value);
  return formatMicros(BigInt(Number.isNaN(ms) ? Date.now() : ms) * 1000n);
}

function codes(diagnosticsJson: string): string[] {
  try {
    return (JSON.parse(diagnosticsJson) as Array<{ code?: unknown }>).map((x) => String(x.code));
  } catch {
    return [];
  }
}
