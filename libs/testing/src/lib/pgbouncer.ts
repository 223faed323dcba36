import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testPostgresUrl } from './postgres';
import { workspaceRoot } from './workspace';

/**
 * A real PgBouncer (the Debian package) in TRANSACTION pool mode in front of the test PostgreSQL,
 * started by tools/ci/pgbouncer.sh on a free port and stopped by it: only this instance, never
 * one the test did not start. Every database name is routed to the server under the same name, so
 * a database from `createTestPostgres()` is reachable through it as `url(db.name)`.
 *
 * There is no fallback: when pgbouncer is not installed this throws (tools/ci/test.sh installs it,
 * `tools/ci/pgbouncer.sh install`), so a suite that needs it fails instead of passing unseen.
 */
export interface TestPgBouncer {
  /** `postgresql://<user>@127.0.0.1:<port>/<database>`: that database, through PgBouncer. */
  url(database: string): string;
  /** PgBouncer's admin console (`SHOW POOLS`, `SHOW SERVERS`…; simple query protocol only). */
  adminUrl: string;
  port: number;
  /** The instance's directory (pgbouncer.ini, pgbouncer.log). */
  dir: string;
  /** server connections per database+user (`default_pool_size`). */
  poolSize: number;
  /** PgBouncer's log so far. */
  log(): string;
  /** Stops this instance and removes its directory. Safe to call twice. */
  stop(): void;
}

export interface PgBouncerOptions {
  /** The server it sits in front of. Default: the test PostgreSQL (TAPES_TEST_PG_URL). */
  targetUrl?: string;
  /** `default_pool_size`. Default 4. */
  poolSize?: number;
}

export function startPgBouncer(options: PgBouncerOptions = {}): TestPgBouncer {
  const script = path.join(workspaceRoot(), 'tools/ci/pgbouncer.sh');
  const poolSize = options.poolSize ?? 4;
  const started = spawnSync('bash', [script, 'start', options.targetUrl ?? testPostgresUrl()], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PGBOUNCER_POOL_SIZE: String(poolSize) },
  });
  if (started.status !== 0) {
    throw new Error(
      `could not start PgBouncer (tools/ci/pgbouncer.sh start, exit ${started.status}): ${started.stderr.trim()}\n` +
        'PgBouncer comes from the Debian package: `tools/ci/pgbouncer.sh install` (tools/ci/test.sh runs it)',
    );
  }
  const [base = '', dir = ''] = started.stdout.trim().split('\n');
  const parsed = new URL(base);
  const at = (database: string) => {
    const u = new URL(base);
    u.pathname = `/${encodeURIComponent(database)}`;
    return u.toString();
  };
  let stopped = false;
  return {
    url: at,
    adminUrl: at('pgbouncer'),
    port: Number(parsed.port),
    dir,
    poolSize,
    log: () => readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8'),
    stop: () => {
      if (stopped) return;
      stopped = true;
      spawnSync('bash', [script, 'stop', dir], { encoding: 'utf8', timeout: 30_000 });
    },
  };
}
