/**
 * Sustained ingest of ten-message turns, 80% of each replayed from earlier turns (as agents do),
 * against the real ingest app on PostgreSQL and on SQLite, with autocannon at 32 connections.
 * Baseline, same run and same server: GET /ping (what Fastify + Nest cost without capture work).
 *
 *   TAPES_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/postgres \
 *   node -r @swc-node/register tools/bench/ingest.bench.ts [seconds=10] [connections=32]
 *
 * The load generator runs in the same process as the server (one machine, 2 cores): the figures
 * are what one ingest process sustains while sharing its CPU with the client.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { createDefaultReducers } from '@tapes/capture';
import { parseConfig } from '@tapes/nest-kit';
import { openStorage } from '@tapes/storage';
import { createTestPostgres, createTestSqlite } from '@tapes/testing';
import { createIngestApp } from '../../apps/ingest/src/app.factory';
import { ingestConfigSchema } from '../../apps/ingest/src/config/ingest-config';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);

/** Turn `t` of conversation `c`: 8 messages the conversation already had, 2 new ones. */
function turnBody(c: number, t: number): string {
  const messages = [];
  for (let i = 0; i < 8; i++) messages.push({ role: i % 2 ? 'assistant' : 'user', content: `conversation ${c} message ${i}: ${'context '.repeat(20)}` });
  messages.push({ role: 'assistant', content: `conversation ${c} turn ${t} answer` });
  messages.push({ role: 'user', content: `conversation ${c} turn ${t} question` });
  return JSON.stringify({
    provider: 'anthropic',
    agent_name: 'bench',
    request_id: `bench-${c}-${t}-${process.pid}-${Date.now()}`,
    request: { model: 'claude-sonnet-4-5', max_tokens: 1024, messages },
    response: { id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: `reply ${c}/${t}` }], stop_reason: 'end_turn', usage: { input_tokens: 900, output_tokens: 20 } },
  });
}

async function load(url: string, opts: Partial<autocannon.Options>) {
  return autocannon({ url, connections, duration: seconds, ...opts });
}

function row(name: string, r: autocannon.Result): string {
  return `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

async function bench(name: string, storeUrl: string): Promise<void> {
  const store = await openStorage({ url: storeUrl });
  const config = parseConfig('bench', ingestConfigSchema, { LOG_LEVEL: 'silent' });
  const app = await createIngestApp({ config, reducers: createDefaultReducers, store });
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  let n = 0;
  const ping = await load(`${base}/ping`, {});
  const ingest = await load(`${base}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: turnBody(n % 200, Math.floor(n++ / 200)) }) }],
  });
  const counts = await store.counts();
  console.log(row(`${name}: GET /ping (baseline)`, ping));
  console.log(row(`${name}: POST /v1/ingest`, ingest));
  console.log(`${' '.repeat(35)}stored ${counts.turns} turns, ${counts.nodes} unique nodes (${((1 - counts.nodes / (counts.turns * 11)) * 100).toFixed(0)}% of node writes deduplicated)`);
  await app.close();
}

async function main(): Promise<void> {
  console.log(`ingest bench: ${seconds}s per run, ${connections} connections, ten-message turns, 80% replayed`);
  const pg = await createTestPostgres();
  try {
    await bench('postgresql', pg.url);
  } finally {
    await pg.drop();
  }
  const sqlite = createTestSqlite();
  try {
    await bench('sqlite', sqlite.url);
  } finally {
    sqlite.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
