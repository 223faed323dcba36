/**
 * Storage benchmarks (design §10: figures against a baseline measured in the same run).
 *
 *   node -r @swc-node/register tools/bench/storage.bench.ts [--turns 1000] [--no-pg]
 *
 * 1. Hashing: nodes/s of libs/merkle computeHash for one-text-block buckets, on one core (target
 *    ≥ 100 000/s); baseline: raw SHA-256 of the same canonical strings (the cost of hashing alone,
 *    without building and canonicalising the JSON).
 * 2. Storing N ten-message turns (default 1 000) with 80 % shared prefix, as agents replay history:
 *    50 sessions, each an 8-node prefix plus turns that each add 2 nodes (user + assistant) on it.
 *    turns/s through TurnStore.storeTurn, one turn at a time, on SQLite and PostgreSQL; baselines:
 *    the same rows through the raw driver (better-sqlite3 / pg), one transaction per turn and all
 *    turns in one transaction.
 * PostgreSQL: the server at TAPES_TEST_PG_URL (default postgresql://postgres@127.0.0.1:55432/postgres,
 * `tools/ci/postgres.sh start`); a scratch database is created and dropped. Skipped if unreachable.
 */
import './lib/aliases';
import { createHash, randomUUID } from 'node:crypto';
import type { TurnRecord } from '@tapes/capture';
import * as merkle from '@tapes/merkle';
import type { Node } from '@tapes/merkle';
import * as storage from '@tapes/storage';
import * as testing from '@tapes/testing';

type Merkle = typeof merkle;
type Storage = typeof storage;
type Testing = typeof testing;

const args = process.argv.slice(2);
const TURNS = Number(args[args.indexOf('--turns') + 1] || 1000) || 1000;
const WITH_PG = !args.includes('--no-pg');
const SESSIONS = 50;

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

function row(label: string, count: number, ms: number, unit: string, baselineMs?: number): void {
  const ratio = baselineMs ? `  (${(ms / baselineMs).toFixed(2)}× the baseline time)` : '';
  console.log(`  ${label.padEnd(58)} ${rate(count, ms).padStart(12)} ${unit}  ${ms.toFixed(0).padStart(6)} ms${ratio}`);
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

function benchHashing(merkle: Merkle): void {
  const N = 200_000;
  const buckets = Array.from({ length: N }, (_, i) => ({
    type: 'message',
    role: i % 2 ? 'assistant' : 'user',
    content: [{ type: 'text', text: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(8)}` }],
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    agent_name: 'bench',
  }));
  const parent = 'a'.repeat(64);
  // Warm up both paths (JIT), then measure.
  for (let i = 0; i < 5_000; i++) merkle.computeHash(buckets[i]!, parent);
  const canonical = buckets.map((b) => merkle.canonicalHashInput(b, parent));
  const [, baseMs] = time(() => {
    for (const s of canonical) createHash('sha256').update(s, 'utf8').digest('hex');
  });
  const [, hashMs] = time(() => {
    for (const b of buckets) merkle.computeHash(b, parent);
  });
  console.log(`\nHashing (${N.toLocaleString('en-US')} one-text-block buckets, one core)`);
  row('baseline: sha256 of the precomputed canonical strings', N, baseMs, 'nodes');
  row('@tapes/merkle computeHash (canonical JSON + sha256)', N, hashMs, 'nodes', baseMs);
  const perSecond = (N / hashMs) * 1000;
  console.log(`  target ≥ 100,000 nodes/s: ${perSecond >= 100_000 ? 'met' : 'NOT met'}`);
}

/** 50 sessions; each turn = the session's 8-node prefix + a new user message + its reply. */
function buildTurns(merkle: Merkle): TurnRecord[] {
  const text = (role: string, t: string) => ({ role, content: [{ type: 'text', text: t }] });
  const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(4);
  const turns: TurnRecord[] = [];
  for (let i = 0; i < TURNS; i++) {
    const s = i % SESSIONS;
    const messages = [];
    for (let m = 0; m < 8; m++) messages.push(text(m % 2 ? 'assistant' : 'user', `session ${s} message ${m}. ${filler}`));
    messages.push(text('user', `session ${s} question ${i}. ${filler}`));
    const request = { model: 'claude-sonnet-4-5', messages };
    const response = {
      model: 'claude-sonnet-4-5',
      message: text('assistant', `answer ${i}. ${filler}`),
      done: true,
      stop_reason: 'end_turn',
      usage: { prompt_tokens: 900, completion_tokens: 60, total_tokens: 960 },
      diagnostics: [],
    };
    const nodes: Node[] = merkle.turnNodes(request, response, { provider: 'anthropic', agentName: `bench-${s}` });
    const body = Buffer.from(JSON.stringify({ ...request, stream: true }));
    turns.push({
      requestId: randomUUID(),
      provider: 'anthropic',
      api: 'anthropic-messages',
      agentName: `bench-${s}`,
      captureSite: 'proxy',
      method: 'POST',
      path: '/v1/messages',
      status: 200,
      requestHeaders: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      requestBody: body,
      responseHeaders: { 'content-type': 'text/event-stream' },
      responseBody: Buffer.from(`event: message_start\ndata: {}\n\n${'event: content_block_delta\ndata: {"delta":"xx"}\n\n'.repeat(20)}`),
      responseContentType: 'text/event-stream',
      nodes,
      outcome: 'complete',
      startedAt: new Date(),
      endedAt: new Date(),
    });
  }
  return turns;
}

const NODE_COLS = '(hash, parent_hash, type, role, content, model, provider, agent_name, stop_reason, usage, project, created_at)';
const TURN_COLS =
  '(id, request_id, provider, api, agent_name, capture_site, method, path, status, request_headers, request_body, response_headers, response_body, response_content_type, head_hash, node_count, new_node_count, outcome, diagnostics)';

function nodeValues(n: Node, createdAt: string): unknown[] {
  return [
    n.hash,
    n.parent_hash,
    n.bucket.type,
    n.bucket.role,
    JSON.stringify(n.bucket.content),
    n.bucket.model,
    n.bucket.provider,
    n.bucket.agent_name ?? null,
    n.stop_reason ?? null,
    n.usage ? JSON.stringify(n.usage) : null,
    null,
    createdAt,
  ];
}

function turnValues(t: TurnRecord, newNodes: number): unknown[] {
  return [
    randomUUID(),
    t.requestId,
    t.provider,
    t.api,
    t.agentName,
    t.captureSite,
    t.method,
    t.path,
    t.status,
    JSON.stringify(t.requestHeaders),
    t.requestBody,
    JSON.stringify(t.responseHeaders),
    t.responseBody,
    t.responseContentType,
    t.nodes.at(-1)!.hash,
    t.nodes.length,
    newNodes,
    t.outcome,
    '[]',
  ];
}

async function benchSqlite(storage: Storage, testing: Testing, turns: TurnRecord[]): Promise<void> {
  const Database = (await import('better-sqlite3')).default;
  console.log(`\nSQLite: storing ${turns.length} ten-message turns, 80 % shared prefix, one at a time`);
  const fresh = async () => {
    const db = testing.createTestSqlite();
    await storage.migrateDeploy({ backend: 'sqlite', file: db.path });
    return db;
  };
  const rawRun = async (perTurnTx: boolean) => {
    const db = await fresh();
    const conn = new Database(db.path);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('foreign_keys = ON');
    const insertNode = conn.prepare(`INSERT INTO nodes ${NODE_COLS} VALUES (${Array(12).fill('?').join(', ')}) ON CONFLICT (hash) DO NOTHING`);
    const insertTurn = conn.prepare(`INSERT INTO turns ${TURN_COLS} VALUES (${Array(19).fill('?').join(', ')})`);
    const stamp = () => new Date().toISOString().replace('Z', '000Z');
    const one = (t: TurnRecord) => {
      let added = 0;
      for (const n of t.nodes) added += insertNode.run(...nodeValues(n, stamp())).changes;
      insertTurn.run(...turnValues(t, added));
    };
    const [, ms] = time(() => {
      if (perTurnTx) {
        const tx = conn.transaction(one);
        for (const t of turns) tx(t);
      } else conn.transaction(() => turns.forEach(one))();
    });
    conn.close();
    db.cleanup();
    return ms;
  };
  const perTurn = await rawRun(true);
  const single = await rawRun(false);
  const db = await fresh();
  const store = await storage.openStorage({ url: db.path, migrate: false });
  const [, storeMs] = await timeAsync(async () => {
    for (const t of turns) await store.storeTurn(t);
  });
  const counts = await store.counts();
  await store.close();
  db.cleanup();
  row('baseline: better-sqlite3, one transaction per turn', turns.length, perTurn, 'turns');
  row('baseline: better-sqlite3, all turns in one transaction', turns.length, single, 'turns');
  row('TurnStore.storeTurn (validate + hash check + Prisma tx)', turns.length, storeMs, 'turns', perTurn);
  console.log(`  stored: ${counts.turns} turns, ${counts.nodes} unique nodes`);
}

async function benchPostgres(storage: Storage, testing: Testing, turns: TurnRecord[]): Promise<void> {
  const pg = (await import('pg')).default;
  console.log(`\nPostgreSQL: storing ${turns.length} ten-message turns, 80 % shared prefix, one at a time`);
  const fresh = async () => {
    const db = await testing.createTestPostgres();
    await storage.migrateDeploy({ backend: 'postgresql', url: db.url });
    return db;
  };
  const rawRun = async (perTurnTx: boolean) => {
    const db = await fresh();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const nodeSql = (count: number) =>
      `INSERT INTO nodes ${NODE_COLS} VALUES ${Array.from({ length: count }, (_, r) => `(${Array.from({ length: 12 }, (_, c) => `$${r * 12 + c + 1}${c === 11 ? '::timestamptz' : ''}`).join(', ')})`).join(', ')} ON CONFLICT (hash) DO NOTHING`;
    const turnSql = `INSERT INTO turns ${TURN_COLS} VALUES (${Array.from({ length: 19 }, (_, i) => `$${i + 1}`).join(', ')})`;
    const one = async (t: TurnRecord) => {
      const stamp = new Date().toISOString();
      const res = await client.query(nodeSql(t.nodes.length), t.nodes.flatMap((n) => nodeValues(n, stamp)));
      await client.query(turnSql, turnValues(t, res.rowCount ?? 0));
    };
    const [, ms] = await timeAsync(async () => {
      if (!perTurnTx) await client.query('BEGIN');
      for (const t of turns) {
        if (perTurnTx) await client.query('BEGIN');
        await one(t);
        if (perTurnTx) await client.query('COMMIT');
      }
      if (!perTurnTx) await client.query('COMMIT');
    });
    await client.end();
    await db.drop();
    return ms;
  };
  const perTurn = await rawRun(true);
  const single = await rawRun(false);
  const db = await fresh();
  const store = await storage.openStorage({ url: db.url, migrate: false });
  const [, storeMs] = await timeAsync(async () => {
    for (const t of turns) await store.storeTurn(t);
  });
  const counts = await store.counts();
  await store.close();
  // The same turns again from 8 concurrent callers (a busy ingest): all duplicates after the first run,
  // so store a fresh copy with new request ids.
  const db2 = await fresh();
  const store2 = await storage.openStorage({ url: db2.url, migrate: false, poolSize: 8 });
  const queue = [...turns];
  const [, concMs] = await timeAsync(async () => {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) await store2.storeTurn(t);
      }),
    );
  });
  await store2.close();
  await db.drop();
  await db2.drop();
  row('baseline: pg, one transaction per turn (multi-row insert)', turns.length, perTurn, 'turns');
  row('baseline: pg, all turns in one transaction', turns.length, single, 'turns');
  row('TurnStore.storeTurn (validate + hash check + Prisma tx)', turns.length, storeMs, 'turns', perTurn);
  row('TurnStore.storeTurn, 8 concurrent callers, pool of 8', turns.length, concMs, 'turns');
  console.log(`  stored: ${counts.turns} turns, ${counts.nodes} unique nodes`);
}

async function main(): Promise<void> {
  console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  benchHashing(merkle);
  const turns = buildTurns(merkle);
  await benchSqlite(storage, testing, turns);
  if (!WITH_PG) return;
  try {
    await (await testing.createTestPostgres()).drop();
  } catch (error) {
    console.log(`\nPostgreSQL: skipped (${(error as Error).message.split(';')[0]})`);
    return;
  }
  await benchPostgres(storage, testing, turns);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
