import { createHash } from 'node:crypto';
import pg from 'pg';

/** SQLSTATEs of a prepared statement missing on, or already on, the server connection (a transaction-mode pooler). */
const PREPARED_STATEMENT_MISMATCH = new Set(['26000', '42P05']);
/** "cached plan must not change result type": a migration changed a table under a prepared statement. */
const STALE_PLAN = '0A000';

/**
 * PostgreSQL's hot write path without Prisma (#17): the one statement that stores a turn
 * (`writeTurnInOneStatement`) goes straight to the pool Prisma's adapter also uses, as a named
 * prepared statement. Profiled under ingest load, Prisma's client runtime and its driver adapter
 * were ~14% of ingest's CPU for that one raw query, and parsing and planning the statement anew
 * each time was most of PostgreSQL's CPU per turn (tools/bench/ingest.bench.ts). Prisma stays the
 * schema, migration and read layer.
 *
 * A statement is named by a hash of its text, so one name always means one text: the write
 * statement has a handful of texts, each prepared once per pooled connection. Behind PgBouncer in
 * transaction mode before 1.21 (or with `max_prepared_statements = 0`), a prepared statement may be
 * missing on the server connection a transaction lands on (26000) or already there (42P05); the
 * statement was not run, so it is run again unnamed, and this store stops naming statements. A
 * migration that changes a table under a prepared statement makes its next run fail with "cached
 * plan must not change result type" (0A000), before running: that call is run again unnamed.
 *
 * Errors come back in the shape the store already reads: a unique or foreign-key violation as
 * Prisma's P2002 / P2003 (with the constraint as `meta.target`), anything else as `pg` raised it —
 * a SQLSTATE with a severity, a socket error, or the pool's classified connection errors
 * (`ClassifyingPool`) — which `classifyStorageError` and `dataRefusal` read directly.
 */
export class PgDirectQuery {
  private prepare = true;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onUnprepared?: (sqlState: string) => void,
  ) {}

  async $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T> {
    try {
      if (!this.prepare) return (await this.pool.query(sql, values)).rows as T;
      try {
        return (await this.pool.query({ name: statementName(sql), text: sql, values })).rows as T;
      } catch (error) {
        const code = error instanceof pg.DatabaseError ? error.code : undefined;
        // The failed connection was discarded (ClassifyingPool), so the next one prepares afresh.
        if (code === STALE_PLAN) return (await this.pool.query(sql, values)).rows as T;
        if (code === undefined || !PREPARED_STATEMENT_MISMATCH.has(code)) throw error;
        if (this.prepare) this.onUnprepared?.(code); // said once, though several calls may meet it at once
        this.prepare = false;
        return (await this.pool.query(sql, values)).rows as T;
      }
    } catch (error) {
      throw constraintError(error);
    }
  }
}

function statementName(sql: string): string {
  return `tapes_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
}

function constraintError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  if (error.code === '23505') return Object.assign(new Error(error.message, { cause: error }), { code: 'P2002', meta: { target: error.constraint ?? '' } });
  if (error.code === '23503') return Object.assign(new Error(error.message, { cause: error }), { code: 'P2003', meta: { target: error.constraint ?? '' } });
  return error;
}
