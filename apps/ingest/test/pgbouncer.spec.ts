import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDefaultReducers } from '@tapes/capture';
import { parseConfig } from '@tapes/nest-kit';
import { createTestPostgres, readFixture, startPgBouncer, TURN_FIXTURES, workspaceRoot, type TestPgBouncer, type TestPostgres } from '@tapes/testing';
import pg from 'pg';
import { createIngestApp } from '../src/app.factory';
import { ingestConfigSchema } from '../src/config/ingest-config';
import { runMigrations } from '../src/migrate';

/**
 * Ingest behind a real PgBouncer (Debian package) in TRANSACTION pool mode, the set-up
 * docs/deploy.md recommends for N replicas on one PostgreSQL. The pool is small (3 server
 * connections) while the replicas open many client connections, so consecutive transactions of
 * one client land on different server connections: anything that relies on session state (a
 * session advisory lock, a named prepared statement, a session SET) breaks here, as it would in
 * production. Before the migration runner took its lock per transaction, three replicas starting
 * together raced through it (migrations recorded as failed) and left the lock held on a pooled
 * server connection. Fails (never skips) when pgbouncer is not installed.
 */

const MIGRATIONS = readdirSync(path.join(workspaceRoot(), 'libs/storage/prisma/pg/migrations')).filter((n) => /^\d{14}_/.test(n)).sort();
const REPLICAS = 3;

let bouncer: TestPgBouncer;
const databases: TestPostgres[] = [];
const apps: NestFastifyApplication[] = [];

/** A real ingest process's wiring (main.ts): the config from env, the store opened (and migrated) from DATABASE_URL. */
async function startReplica(databaseUrl: string): Promise<NestFastifyApplication> {
  const config = parseConfig('ingest replica', ingestConfigSchema, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  const app = await createIngestApp({ config, reducers: createDefaultReducers });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

/** Starts replicas at the same time; waits for all of them, then fails with the first error. */
async function startTogether<T>(starts: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

async function direct<T>(db: TestPostgres, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function admin<T extends Record<string, unknown>>(command: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: bouncer.adminUrl });
  await client.connect();
  try {
    return (await client.query<T>(command)).rows; // the admin console speaks the simple protocol only
  } finally {
    await client.end();
  }
}

/** Advisory locks held on the server in `db` (PgBouncer keeps its server connections open, so a leaked session lock stays visible). */
const advisoryLocks = (db: TestPostgres) =>
  direct(db, async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`,
      [db.name],
    );
    return Number(rows[0]?.n);
  });

const migrationRows = (db: TestPostgres) =>
  direct(db, async (c) => (await c.query<{ migration_name: string; finished_at: Date | null }>(`SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name`)).rows);

/** Lines PgBouncer logged at WARNING or above (pooler errors, protocol errors, refused clients). */
const bouncerProblems = () =>
  bouncer
    .log()
    .split('\n')
    .filter((l) => /\b(WARNING|ERROR|FATAL)\b/.test(l));

beforeAll(async () => {
  bouncer = startPgBouncer({ poolSize: 3 });
  // Nest ends the process when an app fails to start (a failed migration): make that a failed test
  // instead, so afterAll still stops PgBouncer and drops the databases.
  jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new Error(`ingest called process.exit(${code}): it failed to start (its error is logged above)`);
  }) as never);
  jest.spyOn(process, 'abort').mockImplementation(() => {
    throw new Error('ingest called process.abort(): it failed to start (its error is logged above)');
  });
});

afterAll(async () => {
  await Promise.allSettled(apps.map((a) => a.close()));
  bouncer?.stop();
  await Promise.allSettled(databases.map((d) => d.drop()));
  jest.restoreAllMocks();
});

describe('ingest through PgBouncer in transaction pool mode', () => {
  let db: TestPostgres;
  let bases: string[] = [];

  it(`starts ${REPLICAS} replicas at once on an empty database: every migration applied once, and no lock left behind`, async () => {
    db = await createTestPostgres();
    databases.push(db);
    const url = bouncer.url(db.name);
    const replicas = await startTogether(Array.from({ length: REPLICAS }, () => startReplica(url)));
    bases = await Promise.all(replicas.map((r) => r.getUrl()));

    const rows = await migrationRows(db);
    expect(rows.map((r) => r.migration_name)).toEqual(MIGRATIONS);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    expect(await advisoryLocks(db)).toBe(0);
    for (const base of bases) expect((await fetch(`${base}/health`)).status).toBe(200);

    // It went through PgBouncer, in transaction mode, on at most poolSize server connections.
    const pools = await admin<{ database: string; pool_mode: string }>('SHOW POOLS');
    expect(pools.find((p) => p.database === db.name)?.pool_mode).toBe('transaction');
    const servers = (await admin<{ database: string }>('SHOW SERVERS')).filter((s) => s.database === db.name);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.length).toBeLessThanOrEqual(bouncer.poolSize);
  });

  it('stores every turn posted concurrently to the replicas (round robin, each turn to two of them) exactly once, without an error', async () => {
    expect(bases).toHaveLength(REPLICAS);
    const run = `pgb-${Date.now()}`;
    const turns = TURN_FIXTURES.flatMap((f, i) =>
      [0, 1, 2].map((copy) => ({
        provider: f.provider,
        path: f.path,
        agent_name: `${run}-${i % 4}`,
        request_id: `${run}-${f.name}-${copy}`,
        request: f.request,
        response_body_base64: readFixture(f.responseFile).toString('base64'),
        response_content_type: f.contentType,
      })),
    );
    // Each turn goes to replica k and k+1 at the same time: a retry that raced its original.
    const posts = turns.flatMap((turn, k) => [0, 1].map((d) => ({ turn, base: bases[(k + d) % REPLICAS]! })));
    const results: Array<{ id: string; status: number; body: { duplicate?: boolean; head_hash?: string | null; turn_id?: string; error?: unknown } }> = [];
    let next = 0;
    const worker = async () => {
      while (next < posts.length) {
        const { turn, base } = posts[next++]!;
        const res = await fetch(`${base}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(turn) });
        results.push({ id: turn.request_id, status: res.status, body: (await res.json()) as (typeof results)[number]['body'] });
      }
    };
    // More concurrent transactions than PgBouncer has server connections: they queue and share them.
    await Promise.all(Array.from({ length: 12 }, worker));

    expect(results.filter((r) => r.status !== 202)).toEqual([]);
    const byId = new Map<string, typeof results>();
    for (const r of results) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    for (const [id, pair] of byId) {
      expect([id, pair.filter((r) => r.body.duplicate === false).length]).toEqual([id, 1]);
      expect(new Set(pair.map((r) => r.body.turn_id)).size).toBe(1);
      expect(new Set(pair.map((r) => r.body.head_hash)).size).toBe(1);
    }

    const stored = await direct(db, async (c) => (await c.query<{ request_id: string; n: string }>(`SELECT request_id, count(*) AS n FROM turns WHERE request_id LIKE $1 GROUP BY request_id`, [`${run}-%`])).rows);
    expect(stored.map((r) => r.request_id).sort()).toEqual([...byId.keys()].sort());
    expect(stored.filter((r) => Number(r.n) !== 1)).toEqual([]);

    // Read back through another replica than the one that stored it.
    for (const [id, pair] of [...byId].slice(0, 20)) {
      const res = await fetch(`${bases[(pair.length + id.length) % REPLICAS]}/v1/turns/${encodeURIComponent(id)}`);
      expect([id, res.status]).toEqual([id, 200]);
    }
    expect(await advisoryLocks(db)).toBe(0);
    expect(bouncerProblems()).toEqual([]);
  });

  it("applies migrations with the migration Job's entry (migrate.ts) while replicas start on the same empty database: applied once, nobody fails", async () => {
    const fresh = await createTestPostgres();
    databases.push(fresh);
    const url = bouncer.url(fresh.name);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) };
    const [job, ...replicas] = await startTogether<number | NestFastifyApplication>([runMigrations({ DATABASE_URL: url }, io), startReplica(url), startReplica(url)]);
    expect([job, lines.filter((l) => l.startsWith('ERR'))]).toEqual([0, []]);
    for (const r of replicas as NestFastifyApplication[]) expect((await fetch(`${await r.getUrl()}/health`)).status).toBe(200);
    const rows = await migrationRows(fresh);
    expect(rows.map((r) => r.migration_name)).toEqual(MIGRATIONS);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    expect(await advisoryLocks(fresh)).toBe(0);

    // Run again (an upgrade with nothing new): up to date, exit 0.
    lines.length = 0;
    expect(await runMigrations({ DATABASE_URL: url }, io)).toBe(0);
    expect(lines.join('\n')).toContain(`up to date (${MIGRATIONS.length} applied)`);
    expect(bouncerProblems()).toEqual([]);
  });
});
