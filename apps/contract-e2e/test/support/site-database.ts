import Database from 'better-sqlite3';
import pg from 'pg';
import { openStorage, type StoredNode, type StoredTurn, type TurnStore } from '@tapes/storage';
import { createTestPostgres, createTestSqlite } from '@tapes/testing';

export type DatabaseKind = 'postgresql' | 'sqlite';

/** What the `turns` table says about duplicates: each count must equal `rows`. */
export interface TurnLedger {
  rows: number;
  distinctRequestIds: number;
  /** Different request ids with the same request bytes would be one turn stored twice. */
  distinctRequestBodies: number;
}

/**
 * One capture site's own database, read by the test directly (never through the app under test):
 * a fresh PostgreSQL database on the test server or a SQLite file in a temp folder. The app
 * creates and migrates the schema; the reader opens it afterwards without migrating, so what is
 * checked is exactly what the app wrote.
 */
export class SiteDatabase {
  private reader: TurnStore | undefined;
  /** The test's own connections for raw reads (polled often: kept open). */
  private pool: pg.Pool | undefined;

  private constructor(
    readonly kind: DatabaseKind,
    /** What the app is given as DATABASE_URL (unless a TCP outage proxy stands in between). */
    readonly url: string,
    private readonly sqliteFile: string | undefined,
    private readonly remove: () => Promise<void>,
  ) {}

  static async create(kind: DatabaseKind): Promise<SiteDatabase> {
    if (kind === 'postgresql') {
      const db = await createTestPostgres();
      return new SiteDatabase(kind, db.url, undefined, () => db.drop());
    }
    const db = createTestSqlite();
    return new SiteDatabase(kind, db.url, db.path, async () => db.cleanup());
  }

  /** The turn store over this database, through libs/storage (opened on first use). */
  async store(): Promise<TurnStore> {
    this.reader ??= await openStorage({ url: this.url, migrate: false, poolSize: 2 });
    return this.reader;
  }

  /** Request ids of the stored turns of one agent, oldest first. */
  async requestIdsOfAgent(agent: string): Promise<string[]> {
    const rows = await this.query<{ request_id: string }>('SELECT request_id FROM turns WHERE agent_name = $1 ORDER BY created_at, id', [agent]);
    return rows.map((r) => r.request_id);
  }

  /** The stored turns of one agent, bodies included, oldest first. */
  async turnsOfAgent(agent: string): Promise<StoredTurn[]> {
    const store = await this.store();
    const turns: StoredTurn[] = [];
    for (const id of await this.requestIdsOfAgent(agent)) {
      const turn = await store.getTurn(id);
      if (turn) turns.push(turn);
    }
    return turns;
  }

  /** The stored chain ending at `head`, root first; throws when it is not whole. */
  async chain(head: string): Promise<StoredNode[]> {
    const ancestry = await (await this.store()).ancestry(head);
    if (!ancestry) throw new Error(`head ${head} is not stored`);
    if (!ancestry.complete) throw new Error(`the chain of ${head} is not whole (missing parent ${ancestry.missingParent ?? '?'})`);
    return [...ancestry.nodes].reverse();
  }

  async ledger(): Promise<TurnLedger> {
    const [row] = await this.query<{ rows: number | string; ids: number | string; bodies: number | string }>(
      'SELECT COUNT(*) AS rows, COUNT(DISTINCT request_id) AS ids, COUNT(DISTINCT request_body) AS bodies FROM turns',
    );
    return { rows: Number(row?.rows ?? 0), distinctRequestIds: Number(row?.ids ?? 0), distinctRequestBodies: Number(row?.bodies ?? 0) };
  }

  /** Every stored turn's request body (as text) and outcome: the fault suite finds its markers in them. */
  async turnRows(): Promise<{ requestBody: string; outcome: string }[]> {
    const rows = await this.query<{ request_body: Uint8Array | null; outcome: string }>('SELECT request_body, outcome FROM turns');
    return rows.map((r) => ({ requestBody: r.request_body ? Buffer.from(r.request_body).toString('utf8') : '', outcome: r.outcome }));
  }

  /**
   * The migration history as the migration runner wrote it (PostgreSQL): one row per attempt, so a
   * migration two start-ups both applied shows twice; started_at is the applying transaction's start.
   */
  async migrationRows(): Promise<{ name: string; finished: boolean; rolledBack: boolean; startedAt: string }[]> {
    // Strict (rows, not query): "not even the history table" is what a cold-start test asserts.
    const rows = await this.rows<{ migration_name: string; finished: boolean; rolled_back: boolean; started_at: string }>(
      'SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, started_at::text AS started_at FROM "_prisma_migrations" ORDER BY migration_name',
      [],
    );
    return rows.map((r) => ({ name: r.migration_name, finished: r.finished, rolledBack: r.rolled_back, startedAt: r.started_at }));
  }

  async dispose(): Promise<void> {
    await this.reader?.close();
    this.reader = undefined;
    await this.pool?.end();
    this.pool = undefined;
    await this.remove();
  }

  /**
   * Rows of `text`; none while the app has not created its tables yet. An app migrates its database
   * when its storage opens, which no longer holds up its start (#12, #17): a test that reads right
   * after the app listens, or while its storage is cut, finds nothing stored — not an error.
   */
  private async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    try {
      return await this.rows<T>(text, params);
    } catch (err) {
      if (notCreatedYet(err)) return [];
      throw err;
    }
  }

  private async rows<T>(text: string, params: unknown[]): Promise<T[]> {
    if (this.sqliteFile) {
      const db = new Database(this.sqliteFile, { readonly: true, fileMustExist: true });
      try {
        return db.prepare(text.replace(/\$\d+/g, '?')).all(...params) as T[];
      } finally {
        db.close();
      }
    }
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.url, max: 2 });
      // An idle connection that dies is replaced on the next query; the query itself reports failures.
      this.pool.on('error', () => undefined);
    }
    return (await this.pool.query(text, params)).rows as T[];
  }
}

/** PostgreSQL's undefined_table, SQLite's "no such table" or a database file not there yet. */
function notCreatedYet(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  return code === '42P01' || code === 'SQLITE_CANTOPEN' || (code === 'SQLITE_ERROR' && /^no such table/.test(message ?? ''));
}
