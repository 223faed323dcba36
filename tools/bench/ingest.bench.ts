/**
 * Sizing figures for the cloud path (docs/deploy.md): what one ingest replica sustains and what
 * PostgreSQL spends per turn, each beside a baseline measured in the same run.
 *
 *   TAPES_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/postgres \
 *   node -r @swc-node/register tools/bench/ingest.bench.ts [seconds=15] [connections=32] [--no-sqlite]
 *
 * Processes: ingest runs as production runs it, the bundle (`node main.js`, built into a temp
 * folder first) in its own process with DATABASE_URL; this process is the load generator
 * (autocannon, `connections` keep-alive connections) and samples CPU time from /proc:
 *  - ingest's process (its whole work: HTTP, validation, reducing, hashing, the Prisma client);
 *  - the PostgreSQL backends serving the bench database (pg_stat_activity.datname), i.e. the
 *    server's work for these turns. The server's shared background processes (WAL writer,
 *    checkpointer, background writer) are sampled apart: they also serve whatever else uses the
 *    server, so they are an upper bound, not attributed to tapes.
 *
 * Turns: ten-message Anthropic conversations, 50 at a time; each turn resends the conversation's
 * 8 earlier messages and adds 2 (80 % of each request replayed, as agents do), posted as ingest's
 * JSON envelope with a unique request_id.
 *
 * Phases, one after another on one PostgreSQL server:
 *  1. GET /ping: what Fastify + Nest cost per request with no capture work (ingest's own baseline);
 *  2. POST /v1/ingest for `seconds`: turns/s, latency, ingest CPU, PostgreSQL backend CPU;
 *  3. the bare-driver baseline: the very rows phase 2 stored (read back: turns, nodes, turn_text,
 *     sessions) written again into a fresh, migrated database with `pg` alone, one transaction per
 *     turn (its chain of nodes ON CONFLICT DO NOTHING, the turn, its text, the session upsert), from
 *     as many clients as ingest's pool has: what PostgreSQL must spend on these rows whatever the
 *     application, so PostgreSQL CPU per turn of phase 2 over phase 3 is tapes' overhead on the server;
 *  4. POST /v1/ingest again, paced at 80 % of the bare driver's rate (autocannon's overallRate,
 *     latency measured from when each request was due): the p99 an operator sees at that load;
 *  5. (unless --no-sqlite) phases 2–4 on the embedded SQLite backend: ingest at full speed, the same
 *     rows written again with `better-sqlite3` alone (one transaction per turn, into a fresh migrated
 *     file with the same indexes and full-text triggers), and ingest paced at 80 % of that rate.
 *
 * The targets (#17) are ratios within the run: ingest's rate ≥ 0.6× the bare driver's, and p99 <
 * 50 ms when paced at 80 % of the bare driver's rate; the last lines print both for each backend.
 *
 * Figures are per CPU-second as well as per wall second: turns per ingest core-second is what one
 * replica sustains with a core to itself; turns per PostgreSQL core-second is what each core of the
 * server sustains. On a shared machine the wall-clock figures shrink with the load; the printed
 * load average says how shared it was. Only ratios within one run compare across machines.
 */
import './lib/aliases';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStorage } from '@tapes/storage';
import { createTestPostgres } from '@tapes/testing';
import { buildIngest, startIngest } from './lib/ingest-process';
import { canReadProcessCpu, CpuMeter } from './lib/process-cpu';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(positional[0] ?? 15);
const connections = Number(positional[1] ?? 32);
const withSqlite = !process.argv.includes('--no-sqlite');
/** openStorage's default PostgreSQL pool: the connections one ingest replica opens. */
const INGEST_POOL = 10;
const CONVERSATIONS = 50;

/** Turn `n` of the run: conversation n mod 50, 8 messages it already had, 2 new ones. */
function turnBody(n: number, run: string): string {
  const c = n % CONVERSATIONS;
  const t = Math.floor(n / CONVERSATIONS);
  const messages = [];
  for (let i = 0; i < 8; i++) messages.push({ role: i % 2 ? 'assistant' : 'user', content: `conversation ${c} message ${i}: ${'context '.repeat(20)}` });
  messages.push({ role: 'assistant', content: `conversation ${c} turn ${t} answer` });
  messages.push({ role: 'user', content: `conversation ${c} turn ${t} question` });
  return JSON.stringify({
    provider: 'anthropic',
    agent_name: 'bench',
    request_id: `bench-${run}-${n}`,
    request: { model: 'claude-sonnet-4-5', max_tokens: 1024, messages },
    response: { id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: `reply ${c}/${t}` }], stop_reason: 'end_turn', usage: { input_tokens: 900, output_tokens: 20 } },
  });
}

interface Phase {
  name: string;
  turns: number;
  wallSeconds: number;
  p50?: number;
  p99?: number;
  failures?: number;
  ingestCpu?: number;
  pgCpu?: number;
  pgBackground?: number;
}

/** What autocannon did, with the CPU the given meters saw meanwhile. */
async function measured(
  name: string,
  meters: { ingest?: CpuMeter; pg?: CpuMeter; background?: CpuMeter },
  run: () => Promise<{ count: number; p50?: number; p99?: number; failures?: number; wallSeconds?: number }>,
): Promise<Phase> {
  await Promise.all(Object.values(meters).map((m) => m.start()));
  const started = performance.now();
  const result = await run();
  // A run may name its own duration (the load's, without waiting for the store to settle).
  const wallSeconds = result.wallSeconds ?? (performance.now() - started) / 1000;
  const [ingestCpu, pgCpu, pgBackground] = await Promise.all([meters.ingest?.stop(), meters.pg?.stop(), meters.background?.stop()]);
  return {
    name,
    turns: result.count,
    wallSeconds,
    ...(result.p50 !== undefined ? { p50: result.p50, p99: result.p99, failures: result.failures } : {}),
    ...(ingestCpu ? { ingestCpu: ingestCpu.seconds } : {}),
    ...(pgCpu ? { pgCpu: pgCpu.seconds } : {}),
    ...(pgBackground ? { pgBackground: pgBackground.seconds } : {}),
  };
}

/** Answers other than 2xx, by status, and connection errors/timeouts: shown under the table. */
const failureNotes: string[] = [];

async function autocannonRun(url: string, options: Partial<autocannon.Options>): Promise<{ count: number; p50: number; p99: number; failures: number }> {
  const r = await autocannon({ url, connections, duration: seconds, ...options });
  const failures = r.non2xx + r.errors + r.timeouts;
  if (failures > 0) {
    const statuses = Object.entries(r.statusCodeStats as Record<string, { count: number }>)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${count} × ${code}`);
    failureNotes.push(`${url}: ${[...statuses, `${r.errors} errors`, `${r.timeouts} timeouts`].join(', ')}`);
  }
  return { count: r['2xx'], p50: r.latency.p50, p99: r.latency.p99, failures };
}

/**
 * Posts turns to ingest for `seconds`, numbered on from `counter.n`; with `rate`, paced at that many
 * per second overall (latency then counts from when a request was due, not when it went out).
 */
function postTurns(base: string, run: string, counter: { n: number }, rate?: number): Promise<{ count: number; p50: number; p99: number; failures: number }> {
  return autocannonRun(`${base}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: turnBody(counter.n++, run) }) }],
    ...(rate !== undefined ? { overallRate: Math.max(1, Math.round(rate)) } : {}),
  });
}

/** pids of the backends connected to `database` (not the monitor's own). */
function backendsOf(monitor: pg.Client, database: string): () => Promise<number[]> {
  return async () => (await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])).rows.map((r) => r.pid);
}

/** The server's processes that serve no one database: WAL writer, checkpointer, background writer, launchers. */
function backgroundOf(monitor: pg.Client): () => Promise<number[]> {
  return async () => (await monitor.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname IS NULL AND backend_type <> 'client backend'`)).rows.map((r) => r.pid);
}

async function turnIds(url: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return new Set((await client.query<{ id: string }>('SELECT id FROM turns')).rows.map((r) => r.id));
  } finally {
    await client.end();
  }
}

/** A count once two reads 500 ms apart agree (ingest may still be storing what it accepted). */
async function settled(count: () => Promise<number> | number): Promise<number> {
  let last = -1;
  for (;;) {
    const now = await count();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The turns in a SQLite file. */
function sqliteTurnCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM turns').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

type Row = Record<string, unknown>;

/** One stored turn's rows, as one transaction writes them: the turn, its chain of nodes (root first), its search text and session. */
interface StoredTurnRows {
  turn: Row;
  chain: Row[];
  text: Row | undefined;
  session: Row | undefined;
}

/** Groups a database's rows per turn (in the order of `turns`), walking each turn's chain from its head. */
function perTurn(turns: Row[], nodeRows: Row[], textRows: Row[], sessionRows: Row[]): StoredTurnRows[] {
  const nodes = new Map(nodeRows.map((n) => [String(n['hash']), n]));
  const texts = new Map(textRows.map((t) => [String(t['turn_id']), t]));
  const sessions = new Map(sessionRows.map((x) => [String(x['id']), x]));
  return turns.map((turn) => {
    const chain: Row[] = [];
    for (let hash = turn['head_hash'] as string | null; hash; ) {
      const node = nodes.get(hash);
      if (!node) throw new Error(`node ${hash} of turn ${String(turn['id'])} is not stored`);
      chain.unshift(node);
      hash = node['parent_hash'] as string | null;
    }
    return { turn, chain, text: texts.get(String(turn['id'])), session: turn['session_id'] ? sessions.get(String(turn['session_id'])) : undefined };
  });
}

/** The rows ingest stored, grouped per turn as one transaction writes them, in the order they were stored. */
async function storedRows(url: string): Promise<StoredTurnRows[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Generated columns (turn_text.tsv, #14) are left out: PostgreSQL computes them on insert, in
    // phase 3 as it did for ingest.
    const generated = (await client.query<{ table_name: string; column_name: string }>("SELECT table_name, column_name FROM information_schema.columns WHERE is_generated = 'ALWAYS'")).rows;
    const select = async (table: string, order = '') => {
      const skip = new Set(generated.filter((g) => g.table_name === table).map((g) => g.column_name));
      const rows = (await client.query<Row>(`SELECT * FROM ${table} ${order}`)).rows;
      return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !skip.has(column))));
    };
    return perTurn(await select('turns', 'ORDER BY created_at, id'), await select('nodes'), await select('turn_text'), await select('sessions'));
  } finally {
    await client.end();
  }
}

/** `INSERT INTO t (cols) VALUES (…), (…)` for rows sharing one column set. */
function insertSql(table: string, rows: Row[], suffix = ''): { text: string; values: unknown[] } {
  const columns = Object.keys(rows[0]!);
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(', ')})`);
  return { text: `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')} ${suffix}`, values };
}

/**
 * Phase 3: the same rows through `pg` alone, one transaction per turn, INGEST_POOL clients
 * taking turns off one queue in stored order. The session row is upserted per turn as the store
 * folds it (insert the first time, then bump its counters and end time).
 */
async function bareDriver(url: string, rows: StoredTurnRows[]): Promise<number> {
  const queue = [...rows];
  const clients = await Promise.all(
    Array.from({ length: INGEST_POOL }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  let stored = 0;
  try {
    await Promise.all(
      clients.map(async (client) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await client.query('BEGIN');
          await client.query(insertSql('nodes', next.chain, 'ON CONFLICT (hash) DO NOTHING'));
          await client.query(insertSql('turns', [next.turn]));
          if (next.text) await client.query(insertSql('turn_text', [next.text]));
          if (next.session) {
            await client.query(
              insertSql(
                'sessions',
                [next.session],
                `ON CONFLICT (id) DO UPDATE SET ended_at = GREATEST(sessions.ended_at, EXCLUDED.ended_at), turn_count = sessions.turn_count + 1,
                 complete_count = sessions.complete_count + 1, input_tokens = sessions.input_tokens + 900, output_tokens = sessions.output_tokens + 20`,
              ),
            );
          }
          await client.query('COMMIT');
          stored += 1;
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return stored;
}

/** What ingest stored in its SQLite file, grouped per turn as one transaction writes them, in stored order. */
function storedSqliteRows(file: string): StoredTurnRows[] {
  const db = new Database(file, { readonly: true });
  try {
    // One read transaction: one snapshot of the file, whatever ingest commits meanwhile.
    db.exec('BEGIN');
    const all = (table: string, order = '') => db.prepare(`SELECT * FROM ${table} ${order}`).all() as Row[];
    return perTurn(all('turns', 'ORDER BY created_at, id'), all('nodes'), all('turn_text'), all('sessions'));
  } finally {
    db.close();
  }
}

/** `INSERT … VALUES (?, …)` for better-sqlite3: one prepared statement per table and column set. */
function sqliteInserter(db: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  return (table: string, row: Row, suffix = '') => {
    const columns = Object.keys(row);
    const key = `${table}|${columns.join(',')}|${suffix}`;
    let statement = statements.get(key);
    if (!statement) {
      statement = db.prepare(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${suffix}`);
      statements.set(key, statement);
    }
    statement.run(...columns.map((c) => row[c]));
  };
}

/**
 * Phase 5's baseline: the same rows through better-sqlite3 alone, one transaction per turn (its
 * nodes INSERT OR IGNORE, the turn, its text — the full-text trigger fires as it did for ingest —
 * and the session upsert), with the pragmas the store opens its file with.
 */
function bareSqlite(file: string, rows: StoredTurnRows[]): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const insert = sqliteInserter(db);
    const one = db.transaction((next: StoredTurnRows) => {
      for (const node of next.chain) insert('nodes', node, 'ON CONFLICT (hash) DO NOTHING');
      insert('turns', next.turn);
      if (next.text) insert('turn_text', next.text);
      if (next.session) {
        insert(
          'sessions',
          next.session,
          `ON CONFLICT (id) DO UPDATE SET ended_at = MAX(sessions.ended_at, excluded.ended_at), turn_count = sessions.turn_count + 1,
           complete_count = sessions.complete_count + 1, input_tokens = sessions.input_tokens + 900, output_tokens = sessions.output_tokens + 20`,
        );
      }
    });
    for (const next of rows) one(next);
    return rows.length;
  } finally {
    db.close();
  }
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

function printPhases(phases: Phase[]): void {
  const header = ['phase', 'count', 'per s', 'p50 ms', 'p99 ms', 'failed', 'ingest CPU s', 'PG CPU s', 'per ingest core-s', 'per PG core-s', 'PG ms/turn'];
  const rows = phases.map((p) => [
    p.name,
    fmt(p.turns),
    fmt(p.turns / p.wallSeconds),
    fmt(p.p50),
    fmt(p.p99),
    fmt(p.failures),
    fmt(p.ingestCpu, 1),
    fmt(p.pgCpu, 1),
    fmt(p.ingestCpu ? p.turns / p.ingestCpu : undefined),
    fmt(p.pgCpu ? p.turns / p.pgCpu : undefined),
    fmt(p.pgCpu ? (p.pgCpu * 1000) / p.turns : undefined, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/** One backend's figures against the targets, in words: met or missed, and by how much. */
function targetLine(backend: string, posted: Phase, bare: Phase, paced: Phase): string {
  const ratio = posted.turns / posted.wallSeconds / (bare.turns / bare.wallSeconds);
  const p99 = paced.p99 ?? Number.NaN;
  const pacedRate = paced.turns / paced.wallSeconds;
  return `${backend}: ingest ${fmt(posted.turns / posted.wallSeconds)}/s vs bare driver ${fmt(bare.turns / bare.wallSeconds)}/s = ${ratio.toFixed(2)}× (${ratio >= 0.6 ? 'met' : 'missed'}); paced at ${fmt(0.8 * (bare.turns / bare.wallSeconds))}/s (reached ${fmt(pacedRate)}/s): p99 ${fmt(p99)} ms (${p99 < 50 ? 'met' : 'missed'})`;
}

async function main(): Promise<void> {
  if (!canReadProcessCpu()) throw new Error('this bench reads CPU time from /proc (Linux)');
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const bundle = buildIngest();
  const tapesDb = await createTestPostgres();
  const baselineDb = await createTestPostgres();
  const monitor = new pg.Client({ connectionString: process.env['TAPES_TEST_PG_URL'] ?? 'postgresql://postgres@127.0.0.1:55432/postgres' });
  await monitor.connect();
  const run = `${process.pid}-${Date.now()}`;
  try {
    const version = (await monitor.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
    console.log(`ingest bench: ${seconds} s per phase, ${connections} connections, ten-message turns (80 % replayed), ${CONVERSATIONS} conversations`);
    console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, Node ${process.version}, PostgreSQL ${version}; load average at start ${load} (1/5/15 min) — shared with other jobs\n`);

    // PostgreSQL: ingest (bundle) on the tapes database.
    const ingest = await startIngest(bundle.main, { DATABASE_URL: tapesDb.url });
    const ingestPid = ingest.child.pid!;
    const counter = { n: 0 };
    // Warm-up (JIT, the pool's connections, the first turn of every conversation); not measured.
    await autocannon({ url: `${ingest.base}/v1/ingest`, connections, amount: 500, method: 'POST', headers: { 'content-type': 'application/json' }, requests: [{ setupRequest: (req) => ({ ...req, body: turnBody(counter.n++, run) }) }] });
    const warmedUp = await turnIds(tapesDb.url);
    const phases: Phase[] = [];
    phases.push(await measured('GET /ping (ingest baseline)', { ingest: new CpuMeter(() => [ingestPid]) }, () => autocannonRun(`${ingest.base}/ping`, {})));
    const pgMeters = () => ({ pg: new CpuMeter(backendsOf(monitor, tapesDb.name)), background: new CpuMeter(backgroundOf(monitor)) });
    const loadCpuBefore = process.cpuUsage();
    // Counted from the database once it stops growing: autocannon stops counting at the deadline
    // with up to `connections` posts in flight, which ingest still stores (and spends CPU on).
    // The rate is over the load's duration; the CPU meters run on until the count settles.
    const posted = await measured('POST /v1/ingest, PostgreSQL', { ingest: new CpuMeter(() => [ingestPid]), ...pgMeters() }, async () => {
      const loadStarted = performance.now();
      const result = await postTurns(ingest.base, run, counter);
      const wallSeconds = (performance.now() - loadStarted) / 1000;
      return { ...result, wallSeconds, count: (await settled(async () => (await turnIds(tapesDb.url)).size)) - warmedUp.size };
    });
    const loadCpu = process.cpuUsage(loadCpuBefore);
    phases.push(posted);

    // The bare-driver baseline: the same rows, pg alone, into a fresh database with the same schema and indexes.
    await (await openStorage({ url: baselineDb.url })).close();
    // The warm-up's rows go in first, unmeasured, so the measured rows meet the same history (their
    // conversations' earlier nodes already stored) as they did in ingest.
    const rows = await storedRows(tapesDb.url);
    await bareDriver(baselineDb.url, rows.filter((r) => warmedUp.has(String(r.turn['id']))));
    const measuredRows = rows.filter((r) => !warmedUp.has(String(r.turn['id'])));
    const bare = await measured('bare driver, same rows (pg, 10 clients)', { pg: new CpuMeter(backendsOf(monitor, baselineDb.name)), background: new CpuMeter(backgroundOf(monitor)) }, async () => ({
      count: await bareDriver(baselineDb.url, measuredRows),
    }));
    phases.push(bare);
    // Ingest was idle meanwhile; now paced at 80 % of what the bare driver sustained.
    const pgPaced = await measured('POST /v1/ingest, PostgreSQL, paced at 80 % of bare', { ingest: new CpuMeter(() => [ingestPid]) }, () =>
      postTurns(ingest.base, run, counter, 0.8 * (bare.turns / bare.wallSeconds)),
    );
    phases.push(pgPaced);
    await ingest.stop();
    const targets = [targetLine('PostgreSQL', posted, bare, pgPaced)];

    if (withSqlite) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-bench-sqlite-'));
      const bareDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-bench-sqlite-bare-'));
      try {
        const lite = await startIngest(bundle.main, { TAPES_DATA_DIR: dataDir });
        const litePid = lite.child.pid!;
        const liteCounter = { n: 0 };
        await autocannon({ url: `${lite.base}/v1/ingest`, connections, amount: 200, method: 'POST', headers: { 'content-type': 'application/json' }, requests: [{ setupRequest: (req) => ({ ...req, body: turnBody(liteCounter.n++, `${run}-lite`) }) }] });
        const liteFile = path.join(dataDir, 'tapes.db');
        await settled(() => sqliteTurnCount(liteFile));
        const liteWarm = new Set(storedSqliteRows(liteFile).map((r) => String(r.turn['id'])));
        // As on PostgreSQL: the rate over the load's duration, the turns counted once stored.
        const litePosted = await measured('POST /v1/ingest, SQLite (in ingest)', { ingest: new CpuMeter(() => [litePid]) }, async () => {
          const loadStarted = performance.now();
          const result = await postTurns(lite.base, `${run}-lite`, liteCounter);
          const wallSeconds = (performance.now() - loadStarted) / 1000;
          return { ...result, wallSeconds, count: (await settled(() => sqliteTurnCount(liteFile))) - liteWarm.size };
        });
        phases.push(litePosted);
        // The same rows again, better-sqlite3 alone, into a fresh file the store migrated.
        await (await openStorage({ dataDir: bareDir })).close();
        const liteRows = storedSqliteRows(liteFile);
        const bareFile = path.join(bareDir, 'tapes.db');
        bareSqlite(bareFile, liteRows.filter((r) => liteWarm.has(String(r.turn['id']))));
        const liteMeasured = liteRows.filter((r) => !liteWarm.has(String(r.turn['id'])));
        const liteBare = await measured('bare driver, same rows (better-sqlite3)', {}, async () => ({ count: bareSqlite(bareFile, liteMeasured) }));
        phases.push(liteBare);
        const litePaced = await measured('POST /v1/ingest, SQLite, paced at 80 % of bare', { ingest: new CpuMeter(() => [litePid]) }, () =>
          postTurns(lite.base, `${run}-lite`, liteCounter, 0.8 * (liteBare.turns / liteBare.wallSeconds)),
        );
        phases.push(litePaced);
        await lite.stop();
        targets.push(targetLine('SQLite', litePosted, liteBare, litePaced));
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(bareDir, { recursive: true, force: true });
      }
    }

    printPhases(phases);
    for (const note of failureNotes) console.log(`failed: ${note}`);
    const ping = phases[0]!;
    const perTurnIngest = posted.ingestCpu! / posted.turns;
    const perPing = ping.ingestCpu! / ping.turns;
    const tapesPg = posted.pgCpu! / posted.turns;
    const barePg = bare.pgCpu! / bare.turns;
    console.log(`
PostgreSQL CPU per turn: ingest ${(tapesPg * 1000).toFixed(2)} ms, bare driver ${(barePg * 1000).toFixed(2)} ms — ${(tapesPg / barePg).toFixed(2)}× the bare driver's
ingest CPU per turn ${(perTurnIngest * 1000).toFixed(2)} ms = ${(perTurnIngest / perPing).toFixed(1)}× a GET /ping (${(perPing * 1000).toFixed(3)} ms)
PostgreSQL background processes (shared with the server's other users) during the ingest phase: ${posted.pgBackground?.toFixed(1)} CPU s, bare-driver phase: ${bare.pgBackground?.toFixed(1)} CPU s
load generator (this process) during the ingest phase: ${((loadCpu.user + loadCpu.system) / 1e6).toFixed(1)} CPU s
stored ${rows.length} turns (${warmedUp.size} of them in the warm-up), ${new Set(rows.flatMap((r) => r.chain.map((n) => n['hash']))).size} unique nodes, ${rows.reduce((s, r) => s + r.chain.length, 0)} node references`);
    console.log(`\ntargets (#17): ingest ≥ 0.6× the bare driver's rate; p99 < 50 ms paced at 80 % of it\n${targets.join('\n')}`);
  } finally {
    await monitor.end();
    await tapesDb.drop();
    await baselineDb.drop();
    rmSync(bundle.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
