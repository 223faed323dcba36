/**
 * `node migrate.js` — applies the pending storage migrations of the database ingest would use, then
 * exits: 0 when the schema is current (migrations applied, or nothing to do), 1 otherwise. It is
 * built beside main.js (dist/apps/ingest/migrate.js, so in the ingest image as /app/migrate.js) and
 * is what the Helm chart's pre-install/pre-upgrade Job runs, so a release migrates once, before any
 * replica of it starts (docs/deploy.md). The runner is the one ingest runs at start-up
 * (@tapes/storage migrateDeploy: advisory-locked on PostgreSQL, safe behind PgBouncer in
 * transaction mode), so replicas starting meanwhile wait for it instead of racing it.
 *
 * Reads the same environment as ingest (DATABASE_URL, TAPES_DATA_DIR, TAPES_PRISMA_DIR; other keys
 * are ignored, so the Job can share the Deployment's env) plus MIGRATION_LOCK_TIMEOUT (a duration;
 * MIGRATION_LOCK_TIMEOUT_MS, milliseconds, before #11).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, configDeprecations, parseConfig, positiveDuration, withEnvAliases } from '@tapes/nest-kit';
import { migrateDeploy, resolveStorageTarget, StorageError } from '@tapes/storage';
import { ingestSettings } from './config/ingest-config';

/** The migration Job's settings (their `.shape` lists the names the charts may set). */
export const migrateSettings = ingestSettings.pick({ DATABASE_URL: true, TAPES_DATA_DIR: true }).extend({
  /** How long to wait for the migration lock another process holds (a replica migrating at start-up). */
  MIGRATION_LOCK_TIMEOUT: positiveDuration(300_000),
});

export const migrateAliases = [{ old: 'MIGRATION_LOCK_TIMEOUT_MS', name: 'MIGRATION_LOCK_TIMEOUT', unit: 'ms' }] as const;

export const migrateConfigSchema = withEnvAliases(
  migrateSettings.transform((env) => ({ databaseUrl: env.DATABASE_URL, dataDir: path.resolve(env.TAPES_DATA_DIR), lockTimeoutMs: env.MIGRATION_LOCK_TIMEOUT })),
  migrateAliases,
);

export interface MigrateOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Runs the migrations for `env`, reporting to `io`. Returns the exit status. */
export async function runMigrations(env: Record<string, string | undefined>, io: MigrateOutput): Promise<number> {
  const print = io.out;
  try {
    const config = parseConfig('tapes migrate', migrateConfigSchema, env);
    for (const warning of configDeprecations(config)) io.err(`tapes migrate: ${warning}`);
    const target = resolveStorageTarget(config.databaseUrl, config.dataDir);
    const where = target.backend === 'postgresql' ? `PostgreSQL ${target.url.replace(/\/\/[^@/]*@/, '//***@')}` : `SQLite ${target.file}`;
    print(`tapes migrate: ${where}`);
    if (target.backend === 'sqlite') fs.mkdirSync(path.dirname(target.file), { recursive: true });
    const { applied, history } = await migrateDeploy(target, { lockTimeoutMs: config.lockTimeoutMs });
    if (history.unknown.length) print(`  the database has migrations this release does not know (a newer release ran): ${history.unknown.join(', ')}`);
    print(applied.length ? `  applied ${applied.length}: ${applied.join(', ')}` : `  up to date (${history.applied.length} applied)`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) io.err(error.message);
    else if (error instanceof StorageError) io.err(`tapes migrate failed (${error.code}): ${error.message}`);
    else io.err(`tapes migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  const io = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) };
  void runMigrations(process.env, io).then((status) => {
    process.exitCode = status;
  });
}
