import pg from 'pg';

/**
 * A pg Pool whose connection-level failures carry a SQLSTATE, so they reach Prisma (and
 * classifyStorageError) as structured driver errors instead of bare `Error`s.
 *
 * Why: adapter-pg maps server errors (pg's DatabaseError, which has a SQLSTATE) and socket errors
 * (code + syscall) into Prisma's structured `driverAdapterError`, but pg also fails with plain
 * `Error`s that only a message tells apart: the pool's "timeout exceeded when trying to connect",
 * "Connection terminated unexpectedly" when a server dies without a goodbye, "Client has encountered
 * a connection error and is not queryable". Those pass through Prisma unmapped. Here they are
 * recognised by *where* they happen, not by their text:
 *  - any failure of connect() that is neither a DatabaseError nor a socket error could not get a
 *    connection: SQLSTATE 08001 (sqlclient_unable_to_establish_sqlconnection);
 *  - a failed query on a client that has meanwhile emitted 'error' or 'end' lost its connection:
 *    SQLSTATE 08006 (connection_failure).
 * Every other error passes through untouched. The original error stays as `cause`.
 */
export class PgConnectionError extends Error {
  override readonly name = 'PgConnectionError';
  /** The fields adapter-pg reads to recognise a driver error (see its isDriverError). */
  readonly severity = 'FATAL';
  readonly detail: string | undefined = undefined;
  readonly column: string | undefined = undefined;
  readonly hint: string | undefined = undefined;
  constructor(
    readonly code: '08001' | '08006',
    message: string,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * connect() gave up after the pool's connectionTimeoutMillis (pool exhausted, or the server too slow
 * to answer). Shaped as a socket timeout (code + syscall + errno), which adapter-pg maps to its
 * `SocketTimeout` kind.
 */
export class PgConnectTimeoutError extends Error {
  override readonly name = 'PgConnectTimeoutError';
  readonly code = 'ETIMEDOUT';
  readonly syscall = 'connect';
  readonly errno = -110;
}

const wrapped = Symbol('tapes.pg.wrapped');
const lost = Symbol('tapes.pg.connectionLost');

type TrackedClient = pg.PoolClient & { [wrapped]?: true; [lost]?: boolean };

export class ClassifyingPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback);
    // Was it the pool's (or the client's) connection timeout? pg-pool says so only in its message.
    // A sibling timer of the same duration, created in the same tick just before pg's own, expires
    // at the same libuv time and fires first (timers of equal expiry run in creation order); comparing
    // clocks instead is flaky because libuv's cached loop time makes timers fire "early" by a few ms.
    const timeout = this.options.connectionTimeoutMillis ?? 0;
    let expired = false;
    const sibling = timeout > 0 ? setTimeout(() => (expired = true), timeout) : undefined;
    sibling?.unref();
    return super.connect().then(
      (client) => {
        clearTimeout(sibling);
        return track(client);
      },
      (error: unknown) => {
        clearTimeout(sibling);
        if (isServerOrSocketError(error)) throw error;
        if (expired) {
          throw new PgConnectTimeoutError(`no PostgreSQL connection within ${timeout} ms: ${messageOf(error)}`, { cause: error });
        }
        throw new PgConnectionError('08001', `could not get a PostgreSQL connection: ${messageOf(error)}`, { cause: error });
      },
    );
  }

  /**
   * The promise form that adapter-pg uses (`pool.query(config)`), re-implemented over connect() so
   * that its failures are classified like a transaction's. Callback forms go to pg-pool unchanged.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's overloads
  override query(...args: any[]): any {
    if (args.length === 0 || typeof args[args.length - 1] === 'function') {
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    return (async () => {
      const client = await this.connect();
      try {
        const result = await (client.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args);
        client.release();
        return result;
      } catch (error) {
        // Like pg-pool: a client that failed a query is discarded, not reused.
        client.release(error as Error);
        throw error;
      }
    })();
  }
}

/** Wraps a pooled client's promise-form query once, and remembers when its connection dies. */
function track(client: pg.PoolClient): pg.PoolClient {
  const c = client as TrackedClient;
  if (c[wrapped]) return c;
  c[wrapped] = true;
  c[lost] = false;
  const markLost = () => {
    c[lost] = true;
  };
  c.on('error', markLost);
  c.on('end', markLost);
  const query = c.query.bind(c) as (...a: unknown[]) => unknown;
  (c as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result; // callback or submittable form
    return result.catch((error: unknown) => {
      if (!isServerOrSocketError(error) && c[lost]) {
        throw new PgConnectionError('08006', `PostgreSQL connection lost: ${messageOf(error)}`, { cause: error });
      }
      throw error;
    });
  };
  return c;
}

/** Errors adapter-pg already maps: server errors (SQLSTATE) and socket errors (code + syscall). */
function isServerOrSocketError(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return true;
  const e = error as { code?: unknown; syscall?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && (typeof e.syscall === 'string' || typeof e.severity === 'string');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
