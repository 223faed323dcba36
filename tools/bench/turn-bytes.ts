/**
 * What a captured turn costs in PostgreSQL (docs/deploy.md, "What grows"): every turn fixture of
 * fixtures/ posted to the real ingest (its bundle in its own process; raw form, as the sidecar
 * posts) on a fresh database,
 * then measured in the database itself: the raw bodies kept beside the DAG, the node content, and
 * the on-disk growth of both tables (heap + TOAST + indexes).
 *
 *   TAPES_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/postgres \
 *   node -r @swc-node/register tools/bench/turn-bytes.ts [copies=20] [conversation-turns=30]
 *
 * 1. Fixtures: each fixture `copies` times under distinct agent names (so no node is shared between
 *    copies: the worst case for the DAG), grouped by fixture family.
 * 2. A conversation: the Claude Code-shaped fixture (anthropic_extra/claude_code_turn) continued
 *    for N turns, each request resending the whole history as agents do (per turn a 0.6 KB reply
 *    with a tool call and a 1.5 KB tool result, text from the fixture corpus so it does not repeat).
 *    Raw request bytes grow with the history; the new nodes per turn do not.
 * Figures depend only on the fixtures and PostgreSQL's storage (pglz TOAST compression of values
 * over ~2 KB), not on the machine's speed.
 */
import './lib/aliases';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createTestPostgres, readFixture, readFixtureText, TURN_FIXTURES } from '@tapes/testing';
import pg from 'pg';
import { buildIngest, startIngest } from './lib/ingest-process';

const copies = Number(process.argv[2] ?? 20);
const conversationTurns = Number(process.argv[3] ?? 30);

type Post = (body: Record<string, unknown>) => Promise<void>;

const kb = (n: number) => (n >= 10_240 ? `${(n / 1024).toFixed(0)} KB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${Math.round(n)} B`);
const pad = (s: string, n: number) => s.padStart(n);

async function tableBytes(db: pg.Client): Promise<{ turns: number; nodes: number }> {
  const { rows } = await db.query<{ turns: string; nodes: string }>(`SELECT pg_total_relation_size('turns') AS turns, pg_total_relation_size('nodes') AS nodes`);
  return { turns: Number(rows[0]!.turns), nodes: Number(rows[0]!.nodes) };
}

async function fixtures(post: Post, db: pg.Client): Promise<void> {
  const before = await tableBytes(db);
  for (let copy = 0; copy < copies; copy++) {
    for (const f of TURN_FIXTURES) {
      const family = f.responseFile.split('/')[0]!;
      await post({
        provider: f.provider,
        path: f.path,
        agent_name: `bytes-${family}-${copy}`,
        request_id: `bytes-${f.name}-${copy}`,
        request_body: JSON.stringify(f.request),
        response_body_base64: readFixture(f.responseFile).toString('base64'),
        response_content_type: f.contentType,
      });
    }
  }
  const after = await tableBytes(db);
  const { rows } = await db.query<{ family: string; turns: string; req: string; res: string; stored_bodies: string; nodes: string; node_bytes: string }>(`
    WITH t AS (
      SELECT split_part(agent_name, '-', 2) AS family, count(*) AS turns, sum(octet_length(request_body)) AS req,
             sum(octet_length(response_body)) AS res, sum(pg_column_size(request_body) + pg_column_size(response_body)) AS stored_bodies
        FROM turns WHERE request_id LIKE 'bytes-%' GROUP BY 1),
    n AS (
      SELECT split_part(agent_name, '-', 2) AS family, count(*) AS nodes,
             sum(octet_length(content) + coalesce(octet_length(usage), 0)) AS node_bytes
        FROM nodes WHERE agent_name LIKE 'bytes-%' GROUP BY 1)
    SELECT t.family, t.turns, t.req, t.res, t.stored_bodies, coalesce(n.nodes, 0) AS nodes, coalesce(n.node_bytes, 0) AS node_bytes
      FROM t LEFT JOIN n USING (family) ORDER BY t.family`);
  console.log(`\n1. every fixture of fixtures/ (${TURN_FIXTURES.length} turns) x ${copies} copies, no node shared between copies; means per turn:`);
  console.log(`${'family'.padEnd(18)}${pad('turns', 7)}${pad('request', 10)}${pad('response', 10)}${pad('raw stored', 12)}${pad('nodes', 7)}${pad('node content', 14)}`);
  let turns = 0;
  let raw = 0;
  let nodeBytes = 0;
  for (const r of rows) {
    const n = Number(r.turns);
    turns += n;
    raw += Number(r.req) + Number(r.res);
    nodeBytes += Number(r.node_bytes);
    console.log(
      `${r.family.padEnd(18)}${pad(String(n / copies), 7)}${pad(kb(Number(r.req) / n), 10)}${pad(kb(Number(r.res) / n), 10)}${pad(kb(Number(r.stored_bodies) / n), 12)}${pad((Number(r.nodes) / n).toFixed(1), 7)}${pad(kb(Number(r.node_bytes) / n), 14)}`,
    );
  }
  const grown = after.turns - before.turns + (after.nodes - before.nodes);
  console.log(`all fixtures: raw bodies ${kb(raw / turns)} per turn, node content ${kb(nodeBytes / turns)} per turn (raw = ${((raw / (raw + nodeBytes)) * 100).toFixed(0)}% of the payload)`);
  console.log(
    `on disk (pg_total_relation_size, heap + TOAST + indexes): ${kb(grown / turns)} per turn = turns table ${kb((after.turns - before.turns) / turns)} + nodes table ${kb((after.nodes - before.nodes) / turns)}`,
  );
}

async function conversation(post: Post, db: pg.Client): Promise<void> {
  const fixture = TURN_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn');
  if (!fixture) throw new Error('fixture anthropic_extra/claude_code_turn is not in the catalog');
  // Text for the replies and tool results, different every turn (a history that repeats itself
  // would compress unrealistically well): the fixture corpus read end to end.
  const corpus = [...new Set(TURN_FIXTURES.map((f) => f.responseFile.split('/')[0]!))].map((family) => readFixtureText(`${family}/README.md`)).join('\n') + TURN_FIXTURES.map((f) => readFixtureText(f.responseFile)).join('\n');
  let at = 0;
  const text = (n: number) => {
    if (at + n > corpus.length) at = 0;
    at += n;
    return corpus.slice(at - n, at);
  };
  const base = fixture.request as { messages: unknown[] };
  const response = readFixture(fixture.responseFile).toString('base64');
  const before = await tableBytes(db);
  const perTurn: Array<{ request: number; newNodeBytes: number }> = [];
  const history = [...base.messages];
  for (let t = 1; t <= conversationTurns; t++) {
    const request = JSON.stringify({ ...fixture.request, messages: history });
    const nodesBefore = await db.query<{ b: string }>(`SELECT coalesce(sum(octet_length(content)), 0) AS b FROM nodes WHERE agent_name = 'bytes-conversation'`);
    await post({ provider: 'anthropic', path: fixture.path, agent_name: 'bytes-conversation', request_id: `bytes-conversation-${t}`, request_body: request, response_body_base64: response, response_content_type: fixture.contentType });
    const nodesAfter = await db.query<{ b: string }>(`SELECT coalesce(sum(octet_length(content)), 0) AS b FROM nodes WHERE agent_name = 'bytes-conversation'`);
    perTurn.push({ request: Buffer.byteLength(request), newNodeBytes: Number(nodesAfter.rows[0]!.b) - Number(nodesBefore.rows[0]!.b) });
    history.push(
      { role: 'assistant', content: [{ type: 'text', text: text(600) }, { type: 'tool_use', id: `toolu_bytes_${t}`, name: 'Read', input: { file_path: `src/file_${t}.ts` } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_bytes_${t}`, content: text(1536) }] },
    );
  }
  const after = await tableBytes(db);
  const responseBytes = readFixture(fixture.responseFile).length;
  const total = perTurn.reduce((s, p) => s + p.request + responseBytes, 0);
  const nodes = perTurn.reduce((s, p) => s + p.newNodeBytes, 0);
  console.log(`\n2. one Claude Code-shaped conversation of ${conversationTurns} turns (history resent each turn, +0.6 KB reply and 1.5 KB tool result per turn):`);
  for (const t of [1, 10, 20, 30, conversationTurns].filter((x, i, a) => x <= conversationTurns && a.indexOf(x) === i)) {
    const p = perTurn[t - 1]!;
    console.log(`  turn ${String(t).padStart(3)}: request ${pad(kb(p.request), 7)}, response ${kb(responseBytes)}, new node content ${kb(p.newNodeBytes)}`);
  }
  const grown = after.turns - before.turns + (after.nodes - before.nodes);
  console.log(`  whole conversation: raw bodies ${kb(total)}, node content ${kb(nodes)} (raw = ${(total / nodes).toFixed(0)}x the DAG); on disk ${kb(grown)} = ${kb(grown / conversationTurns)} per turn`);
}

async function main(): Promise<void> {
  const database = await createTestPostgres();
  const bundle = buildIngest();
  const ingest = await startIngest(bundle.main, { DATABASE_URL: database.url });
  const post: Post = async (body) => {
    const res = await fetch(`${ingest.base}/v1/ingest`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  };
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    const { rows } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    console.log(`turn bytes: PostgreSQL ${rows[0]!.v}, fixtures from ${path.relative(process.cwd(), path.resolve('fixtures')) || 'fixtures'}/`);
    await fixtures(post, db);
    await conversation(post, db);
  } finally {
    await db.end();
    await ingest.stop();
    rmSync(bundle.dir, { recursive: true, force: true });
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
