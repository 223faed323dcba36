import type Database from 'better-sqlite3';

/**
 * The embedded SQLite database's hot write path (#17): `storeTurn` runs its statements on a
 * better-sqlite3 connection of its own, with prepared statements kept across turns, instead of
 * through Prisma. The CPU profile of the proxy's storage thread under load put Prisma's client
 * runtime, its driver adapter and better-sqlite3's `prepare` (the adapter prepares every statement
 * anew) at ~60% of the thread's time; on a 2-core machine that thread takes CPU from forwarding.
 *
 * The SQL is the same: {@link DirectSqliteTx} gives the write code (node-insert, the turn row,
 * search text, the session upsert) the `$queryRawUnsafe` / `$executeRawUnsafe` surface of a
 * Prisma transaction, run synchronously, and values are bound as Prisma's adapter binds them (a
 * Date as ISO text with `+00:00`, booleans as 0/1). Prisma stays the schema, migration and read
 * layer. Errors come back in the shape the store already classifies: a unique or foreign-key
 * violation as Prisma's P2002 / P2003, any other driver error with the adapter's
 * `{ kind: 'sqlite', extendedCode }` as its cause (so a full disk is still "unavailable").
 */
export class SqliteDirectWriter {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** Runs `write` in one IMMEDIATE transaction on this connection; rolled back if it throws. */
  async transaction<T>(write: (tx: DirectSqliteTx) => Promise<T>): Promise<T> {
    this.exec('BEGIN IMMEDIATE');
    try {
      const result = await write(this.tx);
      this.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  readonly tx: DirectSqliteTx = {
    $queryRawUnsafe: <T = unknown>(sql: string, ...values: unknown[]): Promise<T> => {
      try {
        return Promise.resolve(this.statement(sql).all(...values.map(bindable)) as T);
      } catch (error) {
        return Promise.reject(driverError(error));
      }
    },
    $executeRawUnsafe: (sql: string, ...values: unknown[]): Promise<number> => {
      try {
        return Promise.resolve(this.statement(sql).run(...values.map(bindable)).changes);
      } catch (error) {
        return Promise.reject(driverError(error));
      }
    },
  };

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw driverError(error);
    }
  }

  /** Prepared once per distinct SQL text (multi-row inserts differ by row count: bounded). */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** What the write code needs of a transaction. */
export interface DirectSqliteTx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

const MAX_STATEMENTS = 256;

/** A value as @prisma/adapter-better-sqlite3 binds it. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** SQLite's primary result codes, by better-sqlite3's code names. */
const PRIMARY_CODES: Record<string, number> = {
  SQLITE_ERROR: 1,
  SQLITE_BUSY: 5,
  SQLITE_LOCKED: 6,
  SQLITE_NOMEM: 7,
  SQLITE_READONLY: 8,
  SQLITE_IOERR: 10,
  SQLITE_CORRUPT: 11,
  SQLITE_FULL: 13,
  SQLITE_CANTOPEN: 14,
  SQLITE_CONSTRAINT: 19,
};

/** A better-sqlite3 error in the shape the store's error handling reads (see the class comment). */
export function driverError(error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const target = /UNIQUE constraint failed: (.*)$/.exec(error.message)?.[1] ?? '';
    return Object.assign(new Error(error.message, { cause: error }), { code: 'P2002', meta: { target } });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return Object.assign(new Error(error.message, { cause: error }), { code: 'P2003' });
  const primary = PRIMARY_CODES[code.split('_').slice(0, 2).join('_')];
  if (primary === undefined) return error;
  return new Error(error.message, { cause: { kind: 'sqlite', extendedCode: primary, code, message: error.message } });
}
