import fs from 'node:fs';
import path from 'node:path';
import type { DiagnoseMigrationHistoryOutput } from '@prisma/schema-engine-wasm';
import { MigrationError } from '../errors';
import type { Backend, StorageTarget } from '../storage-target';
import { prismaFiles, readMigrationsFolder, type MigrationsFolder } from './migration-files';
import { readMigrationHistory, type MigrationHistory } from './migration-runner';
import type { MigrateCommandOptions } from './deploy';
import { WasmSchemaEngine } from './schema-engine';

/**
 * The migration commands of tools/prisma/migrate.mjs (and the tests). Applying uses the plain
 * runner (deploy.ts, also what openStorage runs); `status` adds Prisma's own diagnosis and `diff`
 * needs the schema engine, so this module is deliberately not exported from the package index:
 * apps never load the wasm.
 */

export { prismaFiles, type PrismaFiles } from './migration-files';
export { migrateDeploy, migrationHistory, type MigrateCommandOptions } from './deploy';

/** Applies pending migrations with Prisma's engine itself (`prisma migrate deploy`), for cross-checks. */
export async function migrateDeployWithEngine(target: StorageTarget, options: MigrateCommandOptions = {}): Promise<string[]> {
  const engine = await openEngine(target, options.prismaDir);
  try {
    return await engine.apply();
  } finally {
    await engine.close();
  }
}

export interface MigrationStatus {
  /** The runner's reading of `_prisma_migrations` (what start-up would do). */
  history: MigrationHistory;
  /** Prisma's own diagnosis (diagnoseMigrationHistory), null when the SQLite file does not exist yet. */
  prisma: DiagnoseMigrationHistoryOutput | null;
  /** True when nothing is pending, failed or edited. */
  upToDate: boolean;
}

export async function migrateStatus(target: StorageTarget, options: MigrateCommandOptions = {}): Promise<MigrationStatus> {
  const files = prismaFiles(target.backend, options.prismaDir);
  const folder = readMigrationsFolder(files.migrationsDir);
  const history = await readMigrationHistory(target, folder);
  let prisma: DiagnoseMigrationHistoryOutput | null = null;
  // The SQLite adapter would create the file; status must not.
  if (target.backend === 'postgresql' || fs.existsSync(target.file)) {
    const engine = await openEngine(target, options.prismaDir, folder);
    try {
      prisma = await engine.diagnose();
    } catch (error) {
      // On SQLite the engine fails with P1014 instead of answering "no migrations table" as on PG.
      if (!isMissingMigrationsTable(error)) throw error;
      prisma = {
        editedMigrationNames: [],
        failedMigrationNames: [],
        hasMigrationsTable: false,
        history: { diagnostic: 'databaseIsBehind', unappliedMigrationNames: folder.migrations.map((m) => m.name) },
      };
    } finally {
      await engine.close();
    }
  }
  const upToDate = history.unapplied.length === 0 && history.failed.length === 0 && history.edited.length === 0;
  return { history, prisma, upToDate };
}

export interface DiffOptions {
  prismaDir?: string;
  /**
   * Where the shadow database goes. PostgreSQL: a server URL on which the user may CREATE DATABASE
   * (a temporary database is created and dropped). SQLite: ignored (in memory).
   */
  shadowUrl?: string;
  /** Diff from an empty database instead of from the migrations folder. */
  fromEmpty?: boolean;
}

/** The SQL that brings the migrations folder's end state to schema.prisma; '' when they match. */
export async function migrateDiff(backend: Backend, options: DiffOptions = {}): Promise<string> {
  let target: StorageTarget;
  if (backend === 'sqlite') target = { backend, file: ':memory:' };
  else if (options.shadowUrl) target = { backend, url: options.shadowUrl };
  else throw new MigrationError('engine_error', 'a PostgreSQL diff needs a server for its shadow database (shadowUrl / --db)');
  const engine = await openEngine(target, options.prismaDir);
  try {
    return options.fromEmpty ? await engine.diffFromEmpty() : await engine.diffFromMigrations();
  } finally {
    await engine.close();
  }
}

export interface CreatedMigration {
  name: string;
  file: string;
  sql: string;
}

/**
 * Writes `migrations/<yyyymmddhhmmss>_<name>/migration.sql` with the next migration's SQL, as
 * `prisma migrate dev --create-only` would (the engine's createMigration cannot get a shadow
 * database through the wasm API, stack-notes §1.3). Returns null when the schema has no change.
 */
export async function createMigration(
  backend: Backend,
  name: string,
  options: DiffOptions & { now?: Date } = {},
): Promise<CreatedMigration | null> {
  if (!/^[a-z0-9_]+$/i.test(name)) throw new MigrationError('engine_error', `invalid migration name "${name}" (letters, digits, _)`);
  const sql = await migrateDiff(backend, { ...options, fromEmpty: false });
  if (sql === '') return null;
  const files = prismaFiles(backend, options.prismaDir);
  const stamp = (options.now ?? new Date()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dirName = `${stamp}_${name}`;
  const dir = path.join(files.migrationsDir, dirName);
  fs.mkdirSync(dir, { recursive: false });
  const file = path.join(dir, 'migration.sql');
  fs.writeFileSync(file, sql);
  return { name: dirName, file, sql };
}

async function openEngine(target: StorageTarget, prismaDir?: string, folder?: MigrationsFolder): Promise<WasmSchemaEngine> {
  const files = prismaFiles(target.backend, prismaDir);
  return WasmSchemaEngine.open({
    backend: target.backend,
    database: target.backend === 'postgresql' ? target.url : target.file,
    schemaPath: files.schemaPath,
    migrations: folder ?? readMigrationsFolder(files.migrationsDir),
  });
}

function isMissingMigrationsTable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === 'P1014') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
