import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

/**
 * Real PostgreSQL for tests (style: "a fresh database per test file, never mock Prisma"). The server
 * is the one at env TAPES_TEST_PG_URL, default the throwaway cluster of `tools/ci/postgres.sh start`
 * (trust auth, port 55432). The URL must name a database the user may connect to (`postgres`) and a
 * user with CREATEDB (the migration shadow database needs it too).
 */
export const DEFAULT_TEST_PG_URL = 'postgresql://postgres@127.0.0.1:55432/postgres';

/** The admin URL of the test server (TAPES_TEST_PG_URL or {@link DEFAULT_TEST_PG_URL}). */
export function testPostgresUrl(): string {
  return process.env['TAPES_TEST_PG_URL'] || DEFAULT_TEST_PG_URL;
}

export interface TestPostgres {
  /** URL of the new, empty database. */
  url: string;
  /** Its name (`tapes_test_<utc timestamp>_<random>`). */
  name: string;
  /** The server's admin URL it was created from. */
  adminUrl: string;
  /** Drops the database, terminating its remaining sessions. Safe to call twice. */
  drop(): Promise<void>;
}

const PREFIX = 'tapes_test_';
/** Databases older than this, left behind by crashed runs, are dropped when a new one is created. */
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * Creates a uniquely named empty database on the test server; call once per test file
 * (`beforeAll`) and `drop()` it in `afterAll`. Fails with a hint when the server is not running.
 */
export async function createTestPostgres(): Promise<TestPostgres> {
  const adminUrl = testPostgresUrl();
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const name = `${PREFIX}${stamp}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, async (admin) => {
    await dropStale(admin);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  let dropped: Promise<void> | undefined;
  return {
    url: withDatabase(adminUrl, name),
    name,
    adminUrl,
    drop: () =>
      (dropped ??= withAdmin(adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      })),
  };
}

async function dropStale(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`${PREFIX}%`],
  );
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const { datname } of rows) {
    const m = /^tapes_test_(\d{14})_/.exec(datname);
    if (!m?.[1]) continue;
    const created = Date.parse(m[1].replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6Z'));
    if (created < cutoff) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
}

export interface PostgresOutage {
  /** Lets connections in again. Safe to call twice. */
  restore(): Promise<void>;
}

/**
 * Takes one database offline, server-side, as a restart or failover would look to a client:
 * `ALTER DATABASE … ALLOW_CONNECTIONS false`, then `pg_terminate_backend` of every session on it.
 * Open pooled connections fail with FATAL 57P01 (admin shutdown) and new ones with FATAL 55000
 * ("not currently accepting connections") until `restore()`. Other databases on the server are not
 * affected, so test files can run in parallel. Needs a superuser (the test server's `postgres`).
 */
export async function takePostgresOffline(databaseUrl: string): Promise<PostgresOutage> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const adminUrl = withDatabase(databaseUrl, 'postgres');
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
      name,
    ]);
  });
  let restored: Promise<void> | undefined;
  return {
    restore: () =>
      (restored ??= withAdmin(adminUrl, async (admin) => {
        await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      })),
  };
}

export interface TcpOutageProxy {
  /** `targetUrl` with host and port replaced by the proxy's. */
  url: string;
  port: number;
  /**
   * The server "stops": every open connection is cut and the port refuses new ones (ECONNREFUSED),
   * as when PostgreSQL is stopped or the network drops. `reset` (default) aborts the sockets
   * (ECONNRESET on the client); `close` ends them cleanly (the client sees the connection end
   * without an error: pg's "Connection terminated unexpectedly").
   */
  down(how?: 'reset' | 'close'): Promise<void>;
  /** Listens again on the same port; new connections reach the target. */
  up(): Promise<void>;
  /** Stops the proxy for good (call in afterAll). */
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of any server (PostgreSQL, or an HTTP service such as ingest), for tests
 * that need the server to vanish and come back at the network level: `down()` resets every
 * connection and refuses new ones, `up()` accepts again on the same port.
 */
export async function createTcpOutageProxy(targetUrl: string): Promise<TcpOutageProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || defaultPort(target.protocol));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const stop = (how: 'reset' | 'close' = 'reset') =>
    new Promise<void>((resolve) => {
      for (const s of sockets) {
        if (how === 'reset') s.resetAndDestroy();
        else s.end(() => s.destroy());
      }
      sockets.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    url: url.toString(),
    port,
    down: (how) => stop(how),
    up: async () => {
      if (!server.listening) await listen(port);
    },
    close: () => stop('reset'),
  };
}

function defaultPort(protocol: string): number {
  return protocol.startsWith('postgres') ? 5432 : protocol === 'https:' ? 443 : 80;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withAdmin<T>(adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `cannot reach the test PostgreSQL at ${adminUrl} (${(error as Error).message}); start one with ` +
        '`tools/ci/postgres.sh start` or set TAPES_TEST_PG_URL',
      { cause: error },
    );
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
