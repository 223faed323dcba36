import { formatMicros, uuidv7, type Micros } from './micro-clock';
import type { StoreResult } from './turn-store';
import type { ValidatedTurn } from './validate-turn';
import { POSTGRES_DIALECT } from './sql-dialect';
import { sessionUpsert } from './session-write';

interface Queryable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** What one statement decided; the caller turns `missing_parent` into the typed error. */
export type SingleStatementOutcome = StoreResult | { status: 'missing_parent' } | { status: 'lost_race' };

interface OutcomeRow {
  ok: boolean;
  parent_ok: boolean;
  turn_id: string | null;
  new_nodes: number | bigint;
  dup_id: string | null;
  dup_head: string | null;
  dup_nodes: number | bigint | null;
  dup_new_nodes: number | bigint | null;
}

/** The node columns, and the array type each is sent as (one array per column, whatever the turn's length). */
const NODE_ARRAYS: Array<[column: string, type: string]> = [
  ['hash', 'text[]'],
  ['parent_hash', 'text[]'],
  ['type', 'text[]'],
  ['role', 'text[]'],
  ['content', 'text[]'],
  ['model', 'text[]'],
  ['provider', 'text[]'],
  ['agent_name', 'text[]'],
  ['stop_reason', 'text[]'],
  ['usage', 'text[]'],
  ['project', 'text[]'],
  ['created_at', 'timestamptz[]'],
];

/**
 * Stores a turn on PostgreSQL in ONE statement (one round trip, atomic by itself): the duplicate
 * and parent checks, the nodes, and the turn row, as data-modifying CTEs. It exists because the
 * same work as an interactive transaction costs ~5 round trips plus Prisma's per-statement
 * overhead, which capped ingest well below its target (tools/bench/ingest.bench.ts).
 *
 * The statement's text does not depend on the turn's length: nodes and search texts travel as one
 * array per column (`unnest`), so there are only a handful of distinct texts (by outcome, and
 * whether the turn has a session), which `PgDirectQuery` prepares once per connection. Parsing and
 * planning a statement with 13 parameters per node was most of PostgreSQL's CPU per turn: with
 * it prepared, PostgreSQL spends less per turn than the bare driver's plain inserts (#17).
 *
 * Nodes are upserted with `ON CONFLICT (hash) DO UPDATE … WHERE` the stored row lacks usage or a
 * stop reason this turn has: unlike a separate UPDATE (which would not see a row a concurrent
 * writer committed after this statement's snapshot), ON CONFLICT locks and reads the latest
 * committed version, so turn N's usage is never lost when turn N+1 replayed its response first
 * (ref §9.3). Untouched replayed nodes are only locked, not rewritten. `xmax = 0` tells a freshly
 * inserted row from an updated one. The turn's search text (the text of the nodes it was first to
 * store) and its session row are written by two more CTEs, only when the turn row was (#14).
 */
export async function writeTurnInOneStatement(db: Queryable, valid: ValidatedTurn, clock: () => Micros): Promise<SingleStatementOutcome> {
  const { turn, facts } = valid;
  const params: unknown[] = [turn.requestId, turn.nodes[0]?.parent_hash ?? null];
  const p = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };

  const id = uuidv7();
  const columns = NODE_ARRAYS.map((): unknown[] => []);
  turn.nodes.forEach((node, i) => {
    const b = node.bucket;
    const values = [
      node.hash,
      node.parent_hash,
      b.type,
      b.role,
      valid.contentJson[i],
      b.model,
      b.provider,
      b.agent_name || null,
      node.stop_reason || null,
      node.usage ? JSON.stringify(node.usage) : null,
      node.project || null,
      // Increasing per node: a turn's nodes sort root first even within one statement.
      formatMicros(clock()),
    ];
    values.forEach((value, k) => columns[k]?.push(value));
  });
  const nodeArrays = NODE_ARRAYS.map(([, type], k) => p(columns[k], type));
  const turnId = p(id, 'text');

  const headHash = turn.nodes.at(-1)?.hash ?? null;
  const turnValues = [
    turnId,
    '$1::text',
    p(turn.provider, 'text'),
    p(turn.api ?? null, 'text'),
    p(turn.agentName ?? null, 'text'),
    p(turn.captureSite, 'text'),
    p(turn.method ?? null, 'text'),
    p(turn.path ?? null, 'text'),
    p(turn.status ?? null, 'int4'),
    p(valid.requestHeadersJson, 'text'),
    p(bytesOrNull(turn.requestBody), 'bytea'),
    p(valid.responseHeadersJson, 'text'),
    p(bytesOrNull(turn.responseBody), 'bytea'),
    p(turn.responseContentType ?? null, 'text'),
    p(turn.responseContentEncoding ?? null, 'text'),
    p(headHash, 'text'),
    p(turn.nodes.length, 'int4'),
    '(SELECT count(*) FROM ins WHERE inserted)::int4',
    p(turn.outcome, 'text'),
    p(valid.diagnosticsJson, 'text'),
    p(turn.startedAt ?? null, 'timestamptz'),
    p(turn.firstByteAt ?? null, 'timestamptz'),
    p(turn.endedAt ?? null, 'timestamptz'),
    p(valid.responseChunksJson, 'text'),
    p(formatMicros(clock()), 'timestamptz'),
    p(facts.sessionId, 'text'),
    p(facts.threadId, 'text'),
    p(facts.harnessId, 'text'),
    p(facts.harnessVersion, 'text'),
    p(facts.sessionEnvelopeJson, 'text'),
    p(facts.model, 'text'),
    p(facts.tokens.input, 'int4'),
    p(facts.tokens.output, 'int4'),
    p(facts.tokens.cacheWrite, 'int4'),
    p(facts.tokens.cacheRead, 'int4'),
    p(facts.tokens.reasoning, 'int4'),
    p(facts.costUsd, 'float8'),
    p(facts.priceVersion, 'text'),
  ];
  // The search text: each node's, joined for those this statement inserted (in chain order).
  const withText = facts.nodeText.flatMap((text, i) => (text ? [i] : []));
  const textHashes = p(withText.map((i) => turn.nodes[i]?.hash), 'text[]');
  const texts = p(withText.map((i) => facts.nodeText[i]), 'text[]');
  const sessionId = facts.sessionId;
  const sessionCte =
    sessionId === null ? '' : `,
  s AS (${sessionUpsert(POSTGRES_DIALECT, { ...facts, sessionId }, turn, p, 'EXISTS (SELECT 1 FROM t)')} RETURNING id)`;
  const textCte = `,
  vt AS (SELECT * FROM unnest(${textHashes}, ${texts}) WITH ORDINALITY AS vt(hash, text, ord)),
  tt AS (
    INSERT INTO turn_text (turn_id, session_id, text)
    SELECT (SELECT id FROM t), ${p(sessionId, 'text')}, string_agg(vt.text, E'\n' ORDER BY vt.ord)
      FROM vt JOIN ins ON ins.hash = vt.hash AND ins.inserted
     WHERE EXISTS (SELECT 1 FROM t)
    HAVING count(*) > 0
    RETURNING turn_id)`;

  const nodeColumns = NODE_ARRAYS.map(([column]) => column);
  const nodesCte = `v AS (SELECT * FROM unnest(${nodeArrays.join(', ')}) AS v(${nodeColumns.join(', ')})),
  ins AS (
    INSERT INTO nodes (${nodeColumns.join(', ')}, turn_id)
    SELECT v.*, ${turnId} FROM v WHERE (SELECT ok FROM go)
    ON CONFLICT (hash) DO UPDATE
       SET usage = COALESCE(nodes.usage, EXCLUDED.usage), stop_reason = COALESCE(nodes.stop_reason, EXCLUDED.stop_reason)
     WHERE (nodes.usage IS NULL AND EXCLUDED.usage IS NOT NULL) OR (nodes.stop_reason IS NULL AND EXCLUDED.stop_reason IS NOT NULL)
    RETURNING hash, (xmax = 0) AS inserted)`;

  const sql = `
WITH dup AS (SELECT id, head_hash, node_count, new_node_count FROM turns WHERE request_id = $1::text),
  chk AS (SELECT ($2::text IS NULL OR EXISTS (SELECT 1 FROM nodes WHERE hash = $2::text)) AS parent_ok),
  go AS (SELECT (NOT EXISTS (SELECT 1 FROM dup)) AND (SELECT parent_ok FROM chk) AS ok),
  ${nodesCte},
  t AS (
    INSERT INTO turns (id, request_id, provider, api, agent_name, capture_site, method, path, status, request_headers, request_body,
                       response_headers, response_body, response_content_type, response_content_encoding, head_hash, node_count,
                       new_node_count, outcome, diagnostics, started_at, first_byte_at, ended_at, response_chunks, created_at,
                       session_id, thread_id, harness_id, harness_version, session_envelope, model, input_tokens, output_tokens,
                       cache_write_tokens, cache_read_tokens, reasoning_tokens, cost_usd, price_version)
    SELECT ${turnValues.join(', ')} WHERE (SELECT ok FROM go)
    ON CONFLICT (request_id) DO NOTHING
    RETURNING id)${sessionCte}${textCte}
SELECT (SELECT ok FROM go) AS ok, (SELECT parent_ok FROM chk) AS parent_ok, (SELECT id FROM t) AS turn_id,
       (SELECT count(*) FROM ins WHERE inserted) AS new_nodes,
       d.id AS dup_id, d.head_hash AS dup_head, d.node_count AS dup_nodes, d.new_node_count AS dup_new_nodes
  FROM (SELECT 1) one LEFT JOIN dup d ON true`;

  const [row] = await db.$queryRawUnsafe<OutcomeRow[]>(sql, ...params);
  if (!row) throw new Error('the store statement returned no row'); // unreachable: SELECT … FROM (SELECT 1)
  if (row.dup_id !== null) {
    return { status: 'duplicate', turnId: row.dup_id, headHash: row.dup_head, nodeCount: Number(row.dup_nodes), newNodeCount: Number(row.dup_new_nodes) };
  }
  if (!row.parent_ok) return { status: 'missing_parent' };
  // Another writer inserted the same request id between our snapshot and our insert.
  if (row.turn_id === null) return { status: 'lost_race' };
  return { status: 'stored', turnId: row.turn_id, headHash, nodeCount: turn.nodes.length, newNodeCount: Number(row.new_nodes) };
}

function bytesOrNull(bytes: Uint8Array | undefined): Uint8Array<ArrayBuffer> | null {
  if (bytes === undefined) return null;
  // Prisma wants a Uint8Array over a plain ArrayBuffer; a Buffer from the pool is a view on a slab.
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}
