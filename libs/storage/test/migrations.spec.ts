import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestPostgres, createTestSqlite, testPostgresUrl } from '@tapes/testing';
import { MigrationError, migrateDeploy, openStorage, resolveStorageTarget, type StorageTarget } from '../src';
// The engine-backed commands are not part of the package API (they would pull the wasm into apps).
import {
  createMigration,
  migrateDeployWithEngine,
  migrateDiff,
  migrateStatus,
  prismaFiles,
} from '../src/lib/migrations/migrate';
import { backends, chatNodes, turnRecord, untilWaitingOnLock, type TestDatabase } from './support';

const SOURCE_PRISMA_DIR = path.resolve(__dirname, '../prisma');

/** A copy of libs/storage/prisma that a test may edit (add, break or change migrations). */
/** The migrations this repository ships for a backend, oldest first. */
function migrationNames(backend: 'sqlite' | 'postgresql'): string[] {
  const dir = path.resolve(__dirname, '../prisma', backend === 'sqlite' ? 'sqlite' : 'pg', 'migrations');
  return fs.readdirSync(dir).filter((name) => /^\d{14}_/.test(name)).sort();
}

function scratchPrismaDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapes-prisma-'));
  fs.cpSync(SOURCE_PRISMA_DIR, dir, { recursive: true });
  return dir;
}

function addMigration(prismaDir: string, backend: 'sqlite' | 'postgresql', name: string, sql: string): void {
  const dir = path.join(prismaDir, backend === 'sqlite' ? 'sqlite' : 'pg', 'migrations', name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
}

interface Row {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  logs: string | null;
  applied_steps_count: number;
}

/** Raw reads, around the code under test. */
async function query<T>(target: StorageTarget, sql: string): Promise<T[]> {
  if (target.backend === 'sqlite') {
    const db = new Database(target.file, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function tableNames(target: StorageTarget): Promise<string[]> {
  const rows = await query<{ name: string }>(
    target,
    target.backend === 'sqlite'
      ? `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
      : `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  return rows.map((r) => r.name);
}

/** The `_prisma_migrations` table's definition, comparable between two databases. */
async function migrationsTableShape(target: StorageTarget): Promise<unknown> {
  if (target.backend === 'sqlite') {
    const [row] = await query<{ sql: string }>(target, `SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'`);
    return row!.sql.replace(/CREATE TABLE (IF NOT EXISTS )?/, 'CREATE TABLE ');
  }
  return query(
    target,
    `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
  );
}

describe.each(backends)('migrations on $name', ({ backend, create }) => {
  const databases: TestDatabase[] = [];
  const scratch: string[] = [];
  async function freshTarget(): Promise<StorageTarget> {
    const db = await create();
    databases.push(db);
    return resolveStorageTarget(db.url);
  }
  function scratchDir(): string {
    const dir = scratchPrismaDir();
    scratch.push(dir);
    return dir;
  }
  const shadowUrl = backend === 'postgresql' ? testPostgresUrl() : undefined;

  afterAll(async () => {
    await Promise.all(databases.map((d) => d.teardown()));
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies the migrations to a fresh database, writing _prisma_migrations as Prisma does', async () => {
    const target = await freshTarget();
    const migrations = fs.readdirSync(prismaFiles(backend).migrationsDir).filter((n) => /^\d{14}_/.test(n)).sort();
    const result = await migrateDeploy(target);
    expect(result.applied).toEqual(migrations);
    expect(result.history).toMatchObject({ unapplied: [], failed: [], edited: [], applied: migrations });
    expect(await tableNames(target)).toEqual(expect.arrayContaining(['_prisma_migrations', 'nodes', 'turns']));

    const rows = await query<Row>(target, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(migrations);
    for (const row of rows) {
      const file = path.join(prismaFiles(backend).migrationsDir, row.migration_name, 'migration.sql');
      // The checksum is sha256 of migration.sql, as `sha256sum` prints it.
      expect(row.checksum).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
  });

  it('does nothing when applied again, and Prisma’s own engine agrees nothing is pending', async () => {
    const target = await freshTarget();
    await migrateDeploy(target);
    await expect(migrateDeploy(target)).resolves.toMatchObject({ applied: [] });
    const status = await migrateStatus(target);
    expect(status.upToDate).toBe(true);
    expect(status.prisma).toEqual({ editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
    // prisma migrate deploy (the wasm engine) on the runner's database: nothing to apply.
    await expect(migrateDeployWithEngine(target)).resolves.toEqual([]);
  });

  it('creates the same _prisma_migrations table as Prisma’s engine', async () => {
    const byRunner = await freshTarget();
    const byEngine = await freshTarget();
    await migrateDeploy(byRunner);
    expect(await migrateDeployWithEngine(byEngine)).toHaveLength(migrationNames(byEngine.backend).length);
    expect(await migrationsTableShape(byRunner)).toEqual(await migrationsTableShape(byEngine));
    // And the runner accepts the engine's history as its own.
    await expect(migrateDeploy(byEngine)).resolves.toMatchObject({ applied: [] });
  });

  it('reports an applied migration whose file was edited, and refuses to deploy', async () => {
    const target = await freshTarget();
    const prismaDir = scratchDir();
    await migrateDeploy(target, { prismaDir });
    const { migrationsDir } = prismaFiles(backend, prismaDir);
    const [first] = fs.readdirSync(migrationsDir).filter((n) => /^\d{14}_/.test(n)).sort();
    fs.appendFileSync(path.join(migrationsDir, first!, 'migration.sql'), '\n-- edited after it was applied\n');

    const status = await migrateStatus(target, { prismaDir });
    expect(status.upToDate).toBe(false);
    expect(status.history.edited).toEqual([first]);
    expect(status.prisma!.editedMigrationNames).toEqual([first]);
    const error = await migrateDeploy(target, { prismaDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'edited_migrations', migrations: [first] });
  });

  it('records a failing migration as failed, leaves no half of it behind, and blocks later deploys', async () => {
    const target = await freshTarget();
    const prismaDir = scratchDir();
    await migrateDeploy(target, { prismaDir });
    addMigration(prismaDir, backend, '29990101000000_bad', 'CREATE TABLE "half_done" ("id" INTEGER);\nTHIS IS NOT SQL;\n');

    const failure = await migrateDeploy(target, { prismaDir }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'migration_failed', migrations: ['29990101000000_bad'] });
    expect(await tableNames(target)).not.toContain('half_done');

    const status = await migrateStatus(target, { prismaDir });
    expect(status.history.failed).toEqual(['29990101000000_bad']);
    expect(status.prisma!.failedMigrationNames).toEqual(['29990101000000_bad']);
    const [row] = await query<Row>(target, `SELECT * FROM "_prisma_migrations" WHERE migration_name = '29990101000000_bad'`);
    expect(row).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(row!.logs).toBeTruthy();

    // A fixed or later migration is not applied while the failure stands: same as prisma migrate deploy.
    addMigration(prismaDir, backend, '29990102000000_later', 'CREATE TABLE "later" ("id" INTEGER);\n');
    await expect(migrateDeploy(target, { prismaDir })).rejects.toMatchObject({ code: 'failed_migrations' });
    await expect(openStorage({ url: target.backend === 'sqlite' ? target.file : target.url, prismaDir })).rejects.toMatchObject({
      code: 'failed_migrations',
    });
    expect(await tableNames(target)).not.toContain('later');
  });

  it('has migrations that match schema.prisma exactly (no drift)', async () => {
    await expect(migrateDiff(backend, { shadowUrl })).resolves.toBe('');
  });

  it('writes the next migration from a schema change, after which there is no drift', async () => {
    const prismaDir = scratchDir();
    const schema = prismaFiles(backend, prismaDir).schemaPath;
    fs.writeFileSync(schema, fs.readFileSync(schema, 'utf8').replace('  project    String?\n', '  project    String?\n  label      String?\n'));
    const diff = await migrateDiff(backend, { prismaDir, shadowUrl });
    expect(diff).toMatch(/ALTER TABLE "nodes" ADD COLUMN\s+"label" TEXT/);

    const created = await createMigration(backend, 'add_label', { prismaDir, shadowUrl, now: new Date('2999-01-01T00:00:00Z') });
    expect(created!.name).toBe('29990101000000_add_label');
    expect(fs.readFileSync(created!.file, 'utf8')).toBe(diff);
    await expect(migrateDiff(backend, { prismaDir, shadowUrl })).resolves.toBe('');
    await expect(createMigration(backend, 'nothing', { prismaDir, shadowUrl })).resolves.toBeNull();

    // The new migration applies on top of the committed ones.
    const target = await freshTarget();
    await expect(migrateDeploy(target, { prismaDir })).resolves.toMatchObject({
      applied: expect.arrayContaining(['29990101000000_add_label']),
    });
  });

  it('opens a store on a database that does not exist yet: created and migrated on first use', async () => {
    const target = await freshTarget();
    const url = target.backend === 'sqlite' ? target.file : target.url;
    if (target.backend === 'sqlite') expect(fs.existsSync(target.file)).toBe(false);
    const store = await openStorage({ url });
    try {
      expect(await store.counts()).toEqual({ nodes: 0, turns: 0 });
      await store.storeTurn(turnRecord(chatNodes([['user', 'first']], 'use')));
    } finally {
      await store.close();
    }
    expect((await migrateStatus(target)).upToDate).toBe(true);
  });

  it('lets several openers migrate one fresh database at once without racing', async () => {
    const target = await freshTarget();
    const url = target.backend === 'sqlite' ? target.file : target.url;
    const stores = await Promise.all(Array.from({ length: 6 }, () => openStorage({ url })));
    await Promise.all(stores.map((s) => s.close()));
    const rows = await query<Row>(target, `SELECT * FROM "_prisma_migrations"`);
    const names = fs.readdirSync(prismaFiles(backend).migrationsDir).filter((n) => /^\d{14}_/.test(n));
    expect(rows.map((r) => r.migration_name).sort()).toEqual(names.sort());
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });
});

describe('the embedded default', () => {
  it('creates <dataDir>/tapes.db when no URL is given', async () => {
    const sqlite = createTestSqlite();
    const dataDir = path.join(sqlite.dir, 'nested', '.tapes');
    const store = await openStorage({ dataDir });
    try {
      expect(store.backend).toBe('sqlite');
      expect(fs.existsSync(path.join(dataDir, 'tapes.db'))).toBe(true);
      const [mode] = await query<{ journal_mode: string }>({ backend: 'sqlite', file: path.join(dataDir, 'tapes.db') }, 'PRAGMA journal_mode');
      expect(mode!.journal_mode).toBe('wal');
    } finally {
      await store.close();
      sqlite.cleanup();
    }
  });
});

describe('PostgreSQL start-up under the migration lock', () => {
  it('serialises concurrent openers on the advisory lock, and times out waiting for it', async () => {
    const db = await createTestPostgres();
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      const error = await migrateDeploy(resolveStorageTarget(db.url), { lockTimeoutMs: 200 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'lock_timeout' });
      const waiting = migrateDeploy(resolveStorageTarget(db.url));
      await untilWaitingOnLock(holder, 'advisory');
      expect(await tableNames(resolveStorageTarget(db.url))).not.toContain('nodes'); // still waiting
      await holder.query('SELECT pg_advisory_unlock(72707369)');
      await expect(waiting).resolves.toMatchObject({ applied: migrationNames('postgresql') });
    } finally {
      await holder.end();
      await db.drop();
    }
  });
});
