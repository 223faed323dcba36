/**
 * Search benchmark (#14: `GET search` finds a word from a tool result in under 50 ms on 10,000
 * stored turns, both backends), with baselines measured in the same run.
 *
 *   node -r @swc-node/register tools/bench/search.bench.ts [--turns 10000] [--queries 200] [--no-pg] [--no-sqlite]
 *
 * Stores N agent-shaped turns (default 10 000) in 400 sessions: each turn re-sends its session's
 * history and adds a user message, an assistant tool call with its JSON input, the tool's output
 * (a few hundred words from a 20 000-word vocabulary) and the reply — what Claude Code and Codex
 * turns look like. A handful of tool outputs carry rare "needle" words. Then, per backend:
 *   - TurnStore.search for a needle word found in a tool result (what the read API's `GET search`
 *     runs), p50 / p95 / max over the queries, and a common word (many hits, first page only);
 *   - baseline 1, the floor: a primary-key lookup of one turn row through the same driver;
 *   - baseline 2, no index: a LIKE scan of the same search text (what search would cost without
 *     FTS5 / the GIN index).
 * PostgreSQL: the server at TAPES_TEST_PG_URL (default postgresql://postgres@127.0.0.1:55432/postgres,
 * `tools/ci/postgres.sh start`); a scratch database is created and dropped.
 */
import './lib/aliases';
import { randomUUID } from 'node:crypto';
import * as capture from '@tapes/capture';
import type { TurnRecord } from '@tapes/capture';
import type { ChatRequest, Message } from '@tapes/llm';
import * as merkle from '@tapes/merkle';
import * as storage from '@tapes/storage';
import type { TurnStore } from '@tapes/storage';
import * as testing from '@tapes/testing';

type Merkle = typeof merkle;
type Capture = typeof capture;

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback);
const TURNS = flag('--turns', 10_000);
const QUERIES = flag('--queries', 200);
const WITH_PG = !args.includes('--no-pg');
const WITH_SQLITE = !args.includes('--no-sqlite');
const SESSIONS = 400;
const NEEDLES = ['zyzzogeton', 'quokkaflux', 'brindlewomp'];
const TARGET_MS = 50;

/** A deterministic pseudo-random source, so every run stores the same corpus. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(14);
const VOCABULARY = Array.from({ length: 20_000 }, (_, i) => {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let w = '';
  for (let n = 4 + (i % 7); n > 0; n--) w += letters[Math.floor(random() * 26)];
  return w;
});
const words = (n: number) => Array.from({ length: n }, () => VOCABULARY[Math.floor(random() ** 2 * VOCABULARY.length)]).join(' ');

function buildTurns(merkle: Merkle, capture: Capture): TurnRecord[] {
  const history = new Map<number, Message[]>();
  const turns: TurnRecord[] = [];
  for (let i = 0; i < TURNS; i++) {
    const s = i % SESSIONS;
    const past = history.get(s) ?? [{ role: 'user', content: [{ type: 'text', text: `session ${s}: ${words(30)}` }] }];
    const needle = i % Math.floor(TURNS / 7) === 3 ? ` ${NEEDLES[i % NEEDLES.length]} ` : ' ';
    const toolUse: Message = { role: 'assistant', content: [{ type: 'tool_use', tool_use_id: `toolu_${i}`, tool_name: 'Bash', tool_input: { command: `grep -rn ${words(2)} src/`, description: words(6) } }] };
    const toolResult: Message = { role: 'user', content: [{ type: 'tool_result', tool_result_id: `toolu_${i}`, tool_output: `${words(150)}${needle}${words(150)}` }] };
    // Keep the re-sent history bounded, as harnesses compact theirs: the last 6 messages.
    const messages = [...past, toolUse, toolResult].slice(-7);
    const request: ChatRequest = { model: 'claude-sonnet-4-5', messages };
    const response = { model: 'claude-sonnet-4-5', message: { role: 'assistant', content: [{ type: 'text', text: words(60) }] }, done: true, stop_reason: 'end_turn', usage: { prompt_tokens: 4000, completion_tokens: 120 }, diagnostics: [] };
    history.set(s, [...messages, response.message]);
    const nodes = merkle.turnNodes(request, response, { provider: 'anthropic', agentName: 'bench' });
    const at = new Date(Date.UTC(2026, 10, 1) + i * 1000);
    turns.push({
      requestId: randomUUID(),
      provider: 'anthropic',
      api: 'anthropic.messages',
      agentName: 'bench',
      captureSite: 'proxy',
      method: 'POST',
      path: '/v1/messages',
      status: 200,
      requestHeaders: { 'content-type': 'application/json' },
      requestBody: Buffer.from('{}'),
      responseHeaders: { 'content-type': 'application/json' },
      responseBody: Buffer.from('{}'),
      nodes,
      outcome: 'complete',
      startedAt: at,
      endedAt: at,
      session: { id: `bench-session-${s}`, threadId: '', harnessId: 'claude' },
      model: 'claude-sonnet-4-5',
      usage: response.usage,
      nodeText: nodes.map(capture.nodeSearchText),
    });
  }
  return turns;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(label: string, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await fn(i); // warm caches and plans
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const [p50, p95, max] = [percentile(times, 50), percentile(times, 95), times.at(-1) ?? NaN];
  console.log(`  ${label.padEnd(62)} p50 ${p50.toFixed(2).padStart(7)} ms   p95 ${p95.toFixed(2).padStart(7)} ms   max ${max.toFixed(2).padStart(7)} ms`);
  return p95;
}

async function bench(name: string, store: TurnStore, raw: (sql: string, params: unknown[]) => Promise<unknown[]>, param: (n: number) => string, turns: TurnRecord[]): Promise<boolean> {
  const started = performance.now();
  for (const turn of turns) await store.storeTurn(turn);
  const storeMs = performance.now() - started;
  console.log(`\n${name}: ${turns.length.toLocaleString('en-US')} turns stored in ${(storeMs / 1000).toFixed(1)} s (${Math.round((turns.length / storeMs) * 1000)}/s)`);
  const ids = (await raw('SELECT id FROM turns LIMIT 1000', [])) as Array<{ id: string }>;
  const hits = await store.search(NEEDLES[0]!);
  if (hits.items.length === 0) throw new Error(`search found no turn with ${NEEDLES[0]}`);
  console.log(`  "${NEEDLES[0]}" → ${hits.items.length} turns; snippet: ${hits.items[0]!.snippet.slice(0, 90)}…`);
  await measure('baseline: one turn by primary key (the driver floor)', (i) => raw(`SELECT id, session_id FROM turns WHERE id = ${param(1)}`, [ids[i % ids.length]!.id]));
  await measure('baseline: LIKE scan of the search text (no index)', (i) => raw(`SELECT turn_id FROM turn_text WHERE text LIKE ${param(1)} LIMIT 50`, [`%${NEEDLES[i % NEEDLES.length]}%`]));
  const needle = await measure('TurnStore.search: a needle word from a tool result', (i) => store.search(NEEDLES[i % NEEDLES.length]!));
  await measure('TurnStore.search: a common word (first page of many hits)', () => store.search(VOCABULARY[0]!));
  await measure('TurnStore.search: a needle, within one session', (i) => store.search(NEEDLES[i % NEEDLES.length]!, { session: `bench-session-${(3 + i) % SESSIONS}` }));
  const met = needle < TARGET_MS;
  console.log(`  target: a tool-result word in < ${TARGET_MS} ms (p95) on ${turns.length.toLocaleString('en-US')} turns: ${met ? 'met' : 'NOT met'}`);
  return met;
}

async function main(): Promise<void> {
  const turns = buildTurns(merkle, capture);
  console.log(`search benchmark: ${turns.length.toLocaleString('en-US')} turns, ${SESSIONS} sessions, ${QUERIES} queries per row (node ${process.version})`);
  let allMet = true;

  if (WITH_SQLITE) {
    const sqlite = testing.createTestSqlite('search-bench.db');
    const lite = await storage.openStorage({ url: sqlite.url });
    const Database = (await import('better-sqlite3')).default;
    const reader = new Database(sqlite.path, { readonly: true });
    try {
      allMet = (await bench('SQLite (FTS5)', lite, async (sql, params) => reader.prepare(sql).all(...params), () => '?', turns)) && allMet;
    } finally {
      reader.close();
      await lite.close();
      sqlite.cleanup();
    }
  }

  if (WITH_PG) {
    const db = await testing.createTestPostgres();
    const pg = await storage.openStorage({ url: db.url });
    const { Client } = (await import('pg')).default;
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      allMet = (await bench('PostgreSQL (GIN, to_tsvector simple)', pg, async (sql, params) => (await client.query(sql, params)).rows, (n) => `$${n}`, turns)) && allMet;
    } finally {
      await client.end();
      await pg.close();
      await db.drop();
    }
  }
  process.exitCode = allMet ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
