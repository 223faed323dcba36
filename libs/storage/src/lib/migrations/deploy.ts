import type { StorageTarget } from '../storage-target';
import { prismaFiles, readMigrationsFolder } from './migration-files';
import { deployMigrations, readMigrationHistory, type DeployOptions, type DeployResult, type MigrationHistory } from './migration-runner';

/**
 * What the apps need from migrations at run time, without the schema engine (5 MB of wasm, only
 * needed for status diagnosis and diffs: migrate.ts, used by tools/prisma/migrate.mjs and tests).
 */
export interface MigrateCommandOptions extends DeployOptions {
  /** The folder holding `sqlite/` and `pg/` (default: found by resolvePrismaDir). */
  prismaDir?: string;
}

/** Applies pending migrations (the plain runner; PostgreSQL: under the advisory lock). */
export async function migrateDeploy(target: StorageTarget, options: MigrateCommandOptions = {}): Promise<DeployResult> {
  const files = prismaFiles(target.backend, options.prismaDir);
  return deployMigrations(target, readMigrationsFolder(files.migrationsDir), options);
}

/** The database's migration history against the folder (unapplied / failed / edited), read-only. */
export async function migrationHistory(target: StorageTarget, options: { prismaDir?: string } = {}): Promise<MigrationHistory> {
  const files = prismaFiles(target.backend, options.prismaDir);
  return readMigrationHistory(target, readMigrationsFolder(files.migrationsDir));
}
