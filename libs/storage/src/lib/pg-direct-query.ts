import pg from 'pg';

/**
 * PostgreSQL's hot write path without Prisma (#17): the one statement that stores a turn
 * (`writeTurnInOneStatement`) goes straight to the pool Prisma's adapter also uses. Profiled under
 * ingest load, Prisma's client runtime and its driver adapter were ~14% of ingest's CPU for that
 * one raw query — serialising parameters into its own representation and back — work `pg` does
 * anyway. Prisma stays the schema, migration and read layer.
 *
 * Errors come back in the shape the store already reads: a unique or foreign-key violation as
 * Prisma's P2002 / P2003 (with the constraint as `meta.target`), anything else as `pg` raised it —
 * a SQLSTATE with a severity, a socket error, or the pool's classified connection errors
 * (`ClassifyingPool`) — which `classifyStorageError` and `dataRefusal` read directly.
 */
export class PgDirectQuery {
  constructor(private readonly pool: pg.Pool) {}

  async $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T> {
    try {
      return (await this.pool.query(sql, values)).rows as T;
    } catch (error) {
      throw constraintError(error);
    }
  }
}

function constraintError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  if (error.code === '23505') return Object.assign(new Error(error.message, { cause: error }), { code: 'P2002', meta: { target: error.constraint ?? '' } });
  if (error.code === '23503') return Object.assign(new Error(error.message, { cause: error }), { code: 'P2003', meta: { target: error.constraint ?? '' } });
  return error;
}
