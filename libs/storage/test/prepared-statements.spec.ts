import { createTestPostgres, startPgBouncer, type TestPgBouncer, type TestPostgres } from '@tapes/testing';
import pg from 'pg';
import { openStorage, type StorageLogger, type TurnStore } from '../src';
import { columnForm } from '../src/lib/column-text';
import { createMicroClock } from '../src/lib/micro-clock';
import { PgDirectQuery } from '../src/lib/pg-direct-query';
import { writeTurnInOneStatement } from '../src/lib/pg-single-statement-write';
import { validateTurn } from '../src/lib/validate-turn';
import { agentName, chatNodes, turnRecord } from './support';

/**
 * PostgreSQL stores a turn with one statement whose text does not depend on the turn's length,
 * prepared once per connection (#17, pg-direct-query.ts). Behind a transaction-mode PgBouncer
 * older than 1.21 a prepared statement cannot follow a client across server connections; the
 * store must notice, go on unnamed, and lose nothing.
 */
describe('the PostgreSQL write statement, prepared', () => {
  let db: TestPostgres;

  beforeAll(async () => {
    db = await createTestPostgres();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** A conversation of `length` messages (its own agent, so nothing is shared with other turns). */
  const turnOf = (length: number, tag: string) =>
    turnRecord(
      chatNodes(
        Array.from({ length }, (_, i): [string, string] => [i % 2 ? 'assistant' : 'user', `${tag} message ${i}`]),
        `${tag} reply`,
        { agent: agentName(tag) },
      ),
    );

  it('has one statement text for turns of any length: prepared once on a connection, then reused', async () => {
    await (await openStorage({ url: db.url })).close(); // migrated
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const direct = new PgDirectQuery(pool);
    try {
      for (const length of [1, 3, 10, 40]) {
        const valid = columnForm(validateTurn(turnOf(length, `len-${length}`)));
        expect(await writeTurnInOneStatement(direct, valid, createMicroClock())).toMatchObject({ status: 'stored', nodeCount: length + 1, newNodeCount: length + 1 });
      }
      // The pool's one connection, as the store's statements saw it.
      const prepared = await pool.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'tapes\\_%' AND statement LIKE '%INSERT INTO nodes%'`);
      expect(prepared.rows).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });

  it('runs the statement again when a migration changed a table under it (cached plan must not change result type)', async () => {
    const changed = await createTestPostgres();
    await (await openStorage({ url: changed.url })).close(); // migrated
    const pool = new pg.Pool({ connectionString: changed.url, max: 1 });
    const direct = new PgDirectQuery(pool);
    try {
      const store = (tag: string) => writeTurnInOneStatement(direct, columnForm(validateTurn(turnOf(3, tag))), createMicroClock());
      expect(await store('before-migration')).toMatchObject({ status: 'stored' });
      // A column the statement returns changes type, as a migration might while replicas run.
      await pool.query('ALTER TABLE turns ALTER COLUMN node_count TYPE bigint');
      expect(await store('after-migration')).toMatchObject({ status: 'stored', nodeCount: 4 });
      expect(await store('and-after')).toMatchObject({ status: 'stored', nodeCount: 4 });
    } finally {
      await pool.end();
      await changed.drop();
    }
  });

  describe('behind PgBouncer in transaction mode', () => {
    let bouncer: TestPgBouncer;
    beforeAll(() => {
      // One server connection for two client connections: the second client's Parse finds the
      // first one's statement already there (42P05), or a client finds its own missing (26000).
      bouncer = startPgBouncer({ poolSize: 1 });
    });
    afterAll(() => bouncer?.stop());

    it('falls back to unnamed statements when the pooler cannot keep them, and stores every turn once', async () => {
      const said: Array<Record<string, unknown>> = [];
      const logger: StorageLogger = { info: (fields) => said.push(fields), warn: () => undefined };
      const store: TurnStore = await openStorage({ url: bouncer.url(db.name), migrate: false, poolSize: 2, logger });
      try {
        const turns = Array.from({ length: 12 }, (_, i) => turnOf(4, `bouncer-${i}`));
        const results = await Promise.all(turns.map((turn) => store.storeTurn(turn)));
        expect(results.map((r) => r.status)).toEqual(Array(12).fill('stored'));
        expect(said.filter((fields) => fields['sqlState'] !== undefined)).toHaveLength(1);
        // Retried turns are duplicates of themselves, not new rows.
        expect((await Promise.all(turns.map((turn) => store.storeTurn(turn)))).map((r) => r.status)).toEqual(Array(12).fill('duplicate'));
        for (const turn of turns) expect(await store.hasTurn(turn.requestId)).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
});
