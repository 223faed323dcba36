import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MigrationError } from '../errors';
import type { StorageTarget } from '../storage-target';
import { securePrivateSqliteFile } from '../private-files';
import type { MigrationFile, MigrationsFolder } from './migration-files';

/**
 * Applies pending migrations with plain SQL ("Option C" of stack-notes §1.5), writing the
 * `_prisma_migrations` table and rows exactly as `prisma migrate deploy` does (same DDL, id = uuid
 * v4, checksum = sha256 hex of migration.sql, started_at / finished_at, applied_steps_count = 1,
 * logs on failure), so the official CLI and the wasm engine agree with it (test: migrations.spec).
 * This is what the apps run at start-up: no 5 MB wasm, ~10 ms when nothing is pending.
 *
 * Differences from `prisma migrate deploy`, all deliberate:
 *  - each migration runs in a transaction (PostgreSQL: a savepoint of the deploy's one transaction)
 *    with its row, so a failing migration leaves no half-applied schema behind (Prisma runs the
 *    script outside a transaction); its failed row (finished_at NULL, logs = the error) is then
 *    written, so status reports it and deploy refuses to go on, exactly as Prisma does (resolve with
 *    `prisma migrate resolve --rolled-back <name>`);
 *  - an applied migration whose file changed (checksum mismatch) is refused, not ignored;
 *  - rows for migrations the folder does not have (a newer release migrated this database) are
 *    tolerated and reported, so an older replica can still start during a rolling deploy.
 * Concurrency: PostgreSQL start-ups serialise on a transaction-scoped advisory lock held by the one
 * transaction that applies everything pending (each migration under a savepoint), so it also holds
 * behind PgBouncer in transaction mode; it is the key Prisma Migrate uses for its session lock, and
 * session and transaction advisory locks on one key conflict, so this runner and the official CLI
 * also exclude each other. SQLite takes the write lock (BEGIN IMMEDIATE) per migration and re-reads
 * the table under it.
 */

/** Prisma Migrate's advisory lock key (prisma-engines, sql-schema-connector postgres flavour). */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export const MIGRATIONS_TABLE_DDL = {
  // Copied from what @prisma/schema-engine-wasm 7.10.0 creates (checked by migrations.spec).
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`,
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
} as const;

export interface AppliedMigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: string | null;
  rolled_back_at: string | null;
  started_at: string;
  applied_steps_count: number;
  logs: string | null;
}

/** The migration history of a database compared with a migrations folder. */
export interface MigrationHistory {
  hasMigrationsTable: boolean;
  /** Applied, in folder order. */
  applied: string[];
  /** In the folder, not applied yet, in the order they would be applied. */
  unapplied: string[];
  /** Recorded as failed (finished_at and rolled_back_at NULL). */
  failed: string[];
  /** Applied, but migration.sql changed since (checksum mismatch). */
  edited: string[];
  /** Applied to the database but absent from the folder. */
  unknown: string[];
}

export interface RunnerLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface DeployOptions {
  /** How long to wait for another process's migration lock (PostgreSQL), in ms. Default 60 000. */
  lockTimeoutMs?: number;
  /** SQLite busy timeout while waiting for the write lock, in ms. Default 10 000. */
  busyTimeoutMs?: number;
  logger?: RunnerLogger;
}

export interface DeployResult {
  applied: string[];
  history: MigrationHistory;
}

/** The two things the runner needs from a database connection. */
interface RunnerSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** Applies the folder's pending migrations to the database; see the file comment for semantics. */
export async function deployMigrations(
  target: StorageTarget,
  folder: MigrationsFolder,
  options: DeployOptions = {},
): Promise<DeployResult> {
  return target.backend === 'postgresql'
    ? deployPostgres(target.url, folder, options)
    : deploySqlite(target.file, folder, options);
}

/** Compares the database's `_prisma_migrations` with the folder, without changing anything. */
export async function readMigrationHistory(target: StorageTarget, folder: MigrationsFolder): Promise<MigrationHistory> {
  if (target.backend === 'sqlite' && !fs.existsSync(target.file)) return compareHistory(folder.migrations, null);
  const session =
    target.backend === 'postgresql'
      ? await pgSession(target.url)
      : sqliteSession(new Database(target.file, { timeout: 5_000, readonly: true, fileMustExist: true }));
  try {
    return compareHistory(folder.migrations, await readRows(session, target.backend));
  } finally {
    await session.close();
  }
}

async function deployPostgres(url: string, folder: MigrationsFolder, options: DeployOptions): Promise<DeployResult> {
  const session = await pgSession(url);
  try {
    const lockTimeout = Math.max(1, Math.round(options.lockTimeoutMs ?? 60_000));
    // ONE transaction holds the lock (pg_advisory_xact_lock) and every migration (a savepoint
    // each): behind PgBouncer in transaction mode a session lock would be taken on one pooled
    // server connection, the migrations would run on others and the unlock on yet another, so
    // replicas raced and the lock leaked (apps/ingest/test/pgbouncer.spec.ts). SET LOCAL for the
    // same reason: no session state survives the transaction.
    await session.exec('BEGIN');
    try {
      await session.query(`SET LOCAL lock_timeout = ${lockTimeout}`);
      try {
        await session.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
      } catch (cause) {
        if ((cause as { code?: string }).code === '55P03') {
          throw new MigrationError('lock_timeout', `another process held the migration lock for more than ${lockTimeout} ms`, {
            cause,
          });
        }
        throw cause;
      }
      await session.query('SET LOCAL lock_timeout = 0');
      await session.exec(MIGRATIONS_TABLE_DDL.postgresql);
      const result = await applyPending(session, 'postgresql', folder, options.logger, async (migration) => {
        await session.exec('SAVEPOINT tapes_migration');
        try {
          await session.exec(migration.sql);
          await session.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
             VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
            [randomUUID(), migration.checksum, migration.name],
          );
          await session.exec('RELEASE SAVEPOINT tapes_migration');
        } catch (error) {
          await session.exec('ROLLBACK TO SAVEPOINT tapes_migration');
          throw error;
        }
      }, async (migration, logs) => {
        await session.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           VALUES ($1, $2, NULL, $3, $4, NULL, now(), 0)`,
          [randomUUID(), migration.checksum, migration.name, logs],
        );
      });
      await session.exec('COMMIT');
      return result;
    } catch (error) {
      // A failed migration was rolled back to its savepoint and recorded as failed: commit that
      // record (and the migrations applied before it), as prisma migrate deploy leaves them.
      // Anything else (lock timeout, refused history, lost connection) leaves nothing behind.
      const keep = error instanceof MigrationError && error.code === 'migration_failed';
      await session.exec(keep ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await session.close();
  }
}

async function deploySqlite(file: string, folder: MigrationsFolder, options: DeployOptions): Promise<DeployResult> {
  // Whoever migrates first creates the file: private from the start, so its -wal/-shm are too (#13).
  securePrivateSqliteFile(file);
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 10_000 });
  const session = sqliteSession(db);
  try {
    // WAL is a property of the file: set once here so every later connection (and other processes)
    // get concurrent readers while a writer works.
    db.pragma('journal_mode = WAL');
    // Prisma's SQLite migrations redefine tables (create new_x, copy, drop x, rename) between
    // `PRAGMA foreign_keys=OFF/ON`, which is a no-op inside a transaction: switch enforcement off for
    // this connection instead, and check the whole database before each COMMIT (the procedure of
    // https://www.sqlite.org/lang_altertable.html#otheralter).
    db.pragma('foreign_keys = OFF');
    db.exec(MIGRATIONS_TABLE_DDL.sqlite);
    // Everything between BEGIN IMMEDIATE and COMMIT is synchronous on purpose: better-sqlite3 waits
    // for a busy lock synchronously, so an await inside the transaction would let another opener in
    // this process block the event loop on our lock while we wait for the event loop (deadlock
    // until the busy timeout).
    const applyOne = (migration: MigrationFile): boolean => {
      db.exec('BEGIN IMMEDIATE');
      try {
        // Another process may have applied it while we waited for the write lock.
        const done = db
          .prepare(`SELECT COUNT(*) AS n FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL`)
          .get(migration.name) as { n: number };
        if (done.n > 0) {
          db.exec('COMMIT');
          return false;
        }
        const startedAt = sqliteTimestamp(new Date());
        db.exec(migration.sql);
        const violations = db.pragma('foreign_key_check') as { table: string; parent: string }[];
        const [v] = violations;
        if (v) throw new Error(`foreign key violations after the migration (${violations.length}, first: ${v.table} → ${v.parent})`);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
        ).run(randomUUID(), migration.checksum, sqliteTimestamp(new Date()), migration.name, startedAt);
        db.exec('COMMIT');
        return true;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    };
    return await applyPending(session, 'sqlite', folder, options.logger, async (m) => applyOne(m), async (migration, logs) => {
      db.prepare(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES (?, ?, NULL, ?, ?, NULL, ?, 0)`,
      ).run(randomUUID(), migration.checksum, migration.name, logs, sqliteTimestamp(new Date()));
    });
  } finally {
    db.close();
  }
}

/**
 * The shared part: refuse a failed or edited history, then apply what is pending, in order.
 * `apply` returns false when it found the migration already applied (SQLite re-check).
 */
async function applyPending(
  session: RunnerSession,
  backend: StorageTarget['backend'],
  folder: MigrationsFolder,
  logger: RunnerLogger | undefined,
  apply: (migration: MigrationFile) => Promise<boolean | void>,
  recordFailure: (migration: MigrationFile, logs: string) => Promise<void>,
): Promise<DeployResult> {
  const history = compareHistory(folder.migrations, await readRows(session, backend));
  assertDeployable(history);
  if (history.unknown.length > 0) {
    logger?.warn(
      { migrations: history.unknown },
      'the database has migrations this release does not know (a newer release migrated it); continuing',
    );
  }
  const applied: string[] = [];
  for (const migration of folder.migrations.filter((m) => history.unapplied.includes(m.name))) {
    const name = migration.name;
    try {
      if ((await apply(migration)) !== false) applied.push(name);
    } catch (cause) {
      const logs = cause instanceof Error ? cause.message : String(cause);
      // Recording can fail too (the connection died mid-migration); the migration error matters more.
      await recordFailure(migration, logs).catch((recordError: unknown) =>
        logger?.warn({ migration: name, err: recordError }, 'could not record the failed migration'),
      );
      throw new MigrationError('migration_failed', `migration ${name} failed: ${logs}`, { cause, migrations: [name] });
    }
    logger?.debug?.({ migration: name }, 'migration applied');
  }
  const after = compareHistory(folder.migrations, await readRows(session, backend));
  return { applied, history: after };
}

/** Throws when `prisma migrate deploy` would refuse (failed) or when a file was edited after applying. */
export function assertDeployable(history: MigrationHistory): void {
  if (history.failed.length > 0) {
    throw new MigrationError(
      'failed_migrations',
      `migrations recorded as failed: ${history.failed.join(', ')}; nothing more is applied until they are resolved ` +
        `(fix the database, then mark them rolled back, e.g. prisma migrate resolve --rolled-back <name>)`,
      { migrations: history.failed },
    );
  }
  if (history.edited.length > 0) {
    throw new MigrationError(
      'edited_migrations',
      `migrations edited after they were applied (checksum mismatch): ${history.edited.join(', ')}; ` +
        `restore the applied migration.sql and put the change in a new migration`,
      { migrations: history.edited },
    );
  }
}

/** `rows` is null when the database has no `_prisma_migrations` table. */
export function compareHistory(files: readonly MigrationFile[], rows: readonly AppliedMigrationRow[] | null): MigrationHistory {
  const live = (rows ?? []).filter((r) => r.rolled_back_at === null);
  const names = new Set(files.map((f) => f.name));
  const failed = live.filter((r) => r.finished_at === null).map((r) => r.migration_name);
  const finished = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const applied: string[] = [];
  const edited: string[] = [];
  const unapplied: string[] = [];
  for (const file of files) {
    const row = finished.get(file.name);
    if (row) {
      applied.push(file.name);
      if (row.checksum !== file.checksum) edited.push(file.name);
    } else if (!failed.includes(file.name)) {
      unapplied.push(file.name);
    }
  }
  const unknown = [...new Set(live.map((r) => r.migration_name).filter((n) => !names.has(n)))];
  return { hasMigrationsTable: rows !== null, applied, unapplied, failed, edited, unknown };
}

async function readRows(session: RunnerSession, backend: StorageTarget['backend']): Promise<AppliedMigrationRow[] | null> {
  const exists =
    backend === 'postgresql'
      ? await session.query(`SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = '_prisma_migrations' AND schemaname = current_schema()`)
      : await session.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`);
  if (exists.length === 0) return null;
  const rows = await session.query<AppliedMigrationRow>(
    backend === 'postgresql'
      ? `SELECT id, checksum, migration_name, finished_at::text AS finished_at, rolled_back_at::text AS rolled_back_at,
                started_at::text AS started_at, applied_steps_count, logs
           FROM "_prisma_migrations" ORDER BY started_at, migration_name`
      : `SELECT id, checksum, migration_name, finished_at, rolled_back_at, started_at, applied_steps_count, logs
           FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return rows.map((r) => ({ ...r, applied_steps_count: Number(r.applied_steps_count) }));
}

/** The timestamp format adapter-better-sqlite3 writes (and so the wasm engine): ISO 8601 ms, "+00:00". */
function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

async function pgSession(url: string): Promise<RunnerSession> {
  const client = new pg.Client({ connectionString: url, application_name: 'tapes-migrate' });
  // An 'error' event (server restart while idle) must not crash the process; the next query fails.
  client.on('error', () => undefined);
  await client.connect();
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(script: string) {
      await client.query(script); // no parameters: simple query protocol, several statements allowed
    },
    close: () => client.end(),
  };
}

function sqliteSession(db: Database.Database): RunnerSession {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const stmt = db.prepare(sql);
      if (stmt.reader) return stmt.all(...params) as T[];
      stmt.run(...params);
      return [];
    },
    async exec(script: string) {
      db.exec(script);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
