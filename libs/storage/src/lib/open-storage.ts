import path from 'node:path';
import Database from 'better-sqlite3';
import { StorageError } from './errors';
import { classifyStorageError } from './driver-errors';
import { ClassifyingPool } from './pg-connection-errors';
import { PgDirectQuery } from './pg-direct-query';
import { createMicroClock, type Micros } from './micro-clock';
import { migrateDeploy } from './migrations/deploy';
import { PrismaTurnStore, type StorageClient, type StorageLogger } from './prisma-turn-store';
import { POSTGRES_DIALECT, SQLITE_DIALECT } from './sql-dialect';
import { securePrivateSqliteFile } from './private-files';
import { driverError, SqliteDirectWriter } from './sqlite-direct-write';
import { DEFAULT_DATA_DIR, redactUrl, resolveStorageTarget, type StorageTarget } from './storage-target';
import type { TurnStore } from './turn-store';
import { TURN_LIMITS, type TurnLimits } from './validate-turn';

export interface OpenStorageOptions {
  /**
   * `postgresql://…` (or `postgres://…`), `file:/path.db`, or a plain path to a SQLite file.
   * Default: the embedded SQLite database `<dataDir>/tapes.db`.
   */
  url?: string;
  /** Where the embedded database lives when `url` is not given. Default `./.tapes`. */
  dataDir?: string;
  /**
   * Apply pending migrations before returning (default true): creates the SQLite file on first use;
   * on PostgreSQL, concurrent start-ups serialise on an advisory lock. With false, the schema must
   * already be current (`node tools/prisma/migrate.mjs deploy`).
   */
  migrate?: boolean;
  logger?: StorageLogger;
  /** PostgreSQL pool size. Default 10. */
  poolSize?: number;
  /** PostgreSQL: how long to wait for a connection (new or from the pool), ms. Default 5 000. */
  connectTimeoutMs?: number;
  /**
   * SQLite: how long a write waits for another process's write lock before giving up with
   * StorageUnavailableError (reason `timeout`), ms. better-sqlite3 waits synchronously, blocking the
   * event loop meanwhile, so keep it short. Default 5 000.
   */
  busyTimeoutMs?: number;
  /** The longest one storeTurn transaction may take, ms. Default 60 000 (a 100k-node turn fits). */
  transactionTimeoutMs?: number;
  /** How long start-up waits for another replica's migration lock (PostgreSQL), ms. Default 60 000. */
  migrationLockTimeoutMs?: number;
  /** The folder holding prisma/sqlite and prisma/pg (schema + migrations); see resolvePrismaDir. */
  prismaDir?: string;
  /** Overrides of the per-turn caps ({@link TURN_LIMITS}). */
  limits?: Partial<TurnLimits>;
  /** Microsecond clock for created_at (tests). Default: wall clock, strictly increasing. */
  clock?: () => Micros;
}

/**
 * Opens the turn store for a URL (style: one factory picks the adapter): SQLite through
 * @prisma/adapter-better-sqlite3 (WAL, busy timeout, foreign keys on) or PostgreSQL through
 * @prisma/adapter-pg (a pool). Migrates first unless told not to, then pings.
 * Throws StorageUnavailableError when the database cannot be reached, MigrationError when its
 * migration history is failed or edited.
 */
export async function openStorage(options: OpenStorageOptions = {}): Promise<TurnStore> {
  const target = resolveStorageTarget(options.url, options.dataDir ?? DEFAULT_DATA_DIR);
  const log = options.logger;
  // The embedded database's directory is tapes' own data directory: made private too (#13).
  if (target.backend === 'sqlite') securePrivateSqliteFile(target.file, { ownDir: !options.url?.trim() });

  if (options.migrate !== false) {
    try {
      const { applied } = await migrateDeploy(target, {
        prismaDir: options.prismaDir,
        lockTimeoutMs: options.migrationLockTimeoutMs,
        busyTimeoutMs: options.busyTimeoutMs,
        logger: log,
      });
      if (applied.length) log?.debug?.({ migrations: applied, database: describe(target) }, 'migrations applied');
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw await classifyStorageError(error, target.backend);
    }
  }

  const store = target.backend === 'postgresql' ? await openPostgres(target.url, options) : await openSqlite(target.file, options);
  try {
    await store.ping();
    await store.prepareSearchIndex();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  log?.debug?.({ backend: target.backend, database: describe(target) }, 'storage open');
  return store;
}

async function openPostgres(url: string, options: OpenStorageOptions): Promise<PrismaTurnStore> {
  const log = options.logger;
  const connectTimeout = options.connectTimeoutMs ?? 5_000;
  const pool = new ClassifyingPool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: connectTimeout,
    idleTimeoutMillis: 10_000,
    // TCP keepalive notices a peer that vanished without a reset (failover, dropped NAT entry),
    // so a query on such a connection fails instead of hanging until the OS gives up.
    keepAlive: true,
    application_name: 'tapes',
  });
  // Loaded here, not at the top: a SQLite store never loads PostgreSQL's client (and vice versa).
  // `require` of the generated client (a relative path): the bundle keeps that module unevaluated
  // until this runs; a dynamic import() of a relative path would need ESM resolution.
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const { PrismaClient } = require('../generated/pg/client') as typeof import('../generated/pg/client');
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    // An idle pooled connection dropped by the server (restart, pg_terminate_backend) emits
    // 'error'; unhandled, that would crash the process. The pool replaces it on the next query.
    onPoolError: (err) => log?.warn({ err }, 'idle PostgreSQL connection lost'),
    onConnectionError: (err) => log?.warn({ err }, 'PostgreSQL connection error'),
  });
  const client = new PrismaClient({ adapter }) as unknown as StorageClient;
  return new PrismaTurnStore({
    backend: 'postgresql',
    client: () => Promise.resolve(client),
    directPg: new PgDirectQuery(pool, (sqlState) =>
      log?.info({ sqlState }, 'PostgreSQL refused a prepared statement (a transaction-mode pooler?): storing turns with unnamed statements from now on'),
    ),
    dialect: POSTGRES_DIALECT,
    limits: { ...TURN_LIMITS, ...options.limits },
    clock: options.clock ?? createMicroClock(),
    serialize: (operation) => operation(),
    classifyError: (error) => classifyStorageError(error, 'postgresql'),
    // maxWait bounds the wait for a pool connection to start the transaction.
    transaction: { maxWait: connectTimeout, timeout: options.transactionTimeoutMs ?? 60_000 },
    logger: log,
  });
}

async function openSqlite(file: string, options: OpenStorageOptions): Promise<PrismaTurnStore> {
  const busyTimeout = options.busyTimeoutMs ?? 5_000;
  const lock = fileLock(file);
  let direct: SqliteDirectWriter | undefined;
  try {
    // storeTurn's own connection (#17), set up as the adapter's below.
    const db = new Database(file, { timeout: busyTimeout });
    direct = new SqliteDirectWriter(db);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    direct?.close();
    throw await classifyStorageError(driverError(error), 'sqlite');
  }
  return new PrismaTurnStore({
    backend: 'sqlite',
    client: () => sqlitePrismaClient(file, busyTimeout),
    dialect: SQLITE_DIALECT,
    limits: { ...TURN_LIMITS, ...options.limits },
    clock: options.clock ?? createMicroClock(),
    serialize: lock,
    classifyError: (error) => classifyStorageError(error, 'sqlite'),
    transaction: { maxWait: busyTimeout + 1_000, timeout: options.transactionTimeoutMs ?? 60_000 },
    logger: options.logger,
    directWrite: direct,
  });
}

/**
 * The SQLite store's Prisma client (reads, rederive, deletes), made on its first use: a proxy that
 * only captures never loads it (#17). Its connection is set up as the direct one: WAL (readers
 * never block the writer; also set by the migrations, kept here for migrate:false), enforced
 * foreign keys (off by default in SQLite), and NORMAL sync, which in WAL mode is durable against
 * application crashes and only risks the last commits on power loss.
 */
async function sqlitePrismaClient(file: string, busyTimeout: number): Promise<StorageClient> {
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const { PrismaClient } = require('../generated/sqlite/client') as typeof import('../generated/sqlite/client');
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file, timeout: busyTimeout }) }) as unknown as StorageClient;
  try {
    await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
    await client.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
    return client;
  } catch (error) {
    await client.$disconnect().catch(() => undefined);
    throw error;
  }
}

/**
 * One async lock per SQLite file in this process. Prisma's interactive transactions await between
 * statements; a second store (another connection) writing the same file meanwhile would wait for
 * SQLite's lock *synchronously* (better-sqlite3), blocking the very event loop the first one needs
 * to commit, until the busy timeout. Serialising per file in-process avoids that; other processes
 * are still arbitrated by SQLite's own lock and busy timeout.
 */
const fileLocks = new Map<string, Promise<unknown>>();
function fileLock(file: string): <T>(operation: () => Promise<T>) => Promise<T> {
  const key = path.resolve(file);
  return <T>(operation: () => Promise<T>): Promise<T> => {
    const previous = fileLocks.get(key) ?? Promise.resolve();
    const result = previous.then(operation);
    const tail = result.catch(() => undefined);
    fileLocks.set(key, tail);
    void tail.then(() => {
      if (fileLocks.get(key) === tail) fileLocks.delete(key);
    });
    return result;
  };
}

function describe(target: StorageTarget): string {
  return target.backend === 'postgresql' ? redactUrl(target.url) : target.file;
}
