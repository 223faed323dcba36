// The third public entry of libs/storage, for tests only: both backends as suites run on them.
// Apps never import it (their bundles stay free of @tapes/testing).
import { createDefaultReducers, toTurnRecord, type TurnRecord } from '@tapes/capture';
import { fixtureTurn } from '@tapes/capture/testing';
import { ANTHROPIC_FIXTURES, createTestPostgres, createTestSqlite } from '@tapes/testing';
import { openStorage, type TurnStore } from './index';

export interface TestStoreBackend {
  name: 'sqlite' | 'postgresql';
  /** A fresh, migrated database of its own: its URL, a store open on it, and how to throw both away. */
  open(): Promise<{ url: string; store: TurnStore; dispose(): Promise<void> }>;
}

/** Both storage backends, each a fresh database (PostgreSQL: TAPES_TEST_PG_URL's server); for `describe.each`. */
export const TEST_STORES: TestStoreBackend[] = [
  {
    name: 'sqlite',
    async open() {
      const db = createTestSqlite();
      const store = await openStorage({ url: db.url });
      return { url: db.url, store, dispose: async () => (await store.close(), db.cleanup()) };
    },
  },
  {
    name: 'postgresql',
    async open() {
      const db = await createTestPostgres();
      const store = await openStorage({ url: db.url });
      return { url: db.url, store, dispose: async () => (await store.close(), await db.drop()) };
    },
  },
];

/**
 * A Claude Code turn (its `x-claude-code-session-id` naming `sessionId`) as a build from before
 * sessions existed stored it (#14): the raw request and response with their headers, and no session,
 * usage or nodes (that build's reducer failed on it). What the session backfill must recover.
 */
export async function turnStoredBeforeSessions(requestId: string, sessionId: string, at: string): Promise<TurnRecord> {
  const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn');
  if (!fixture) throw new Error('the anthropic_extra/claude_code_turn fixture is missing');
  const turn = fixtureTurn(fixture, {
    requestId,
    requestHeaders: { 'content-type': 'application/json', 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': sessionId },
    startedAt: new Date(at),
    endedAt: new Date(Date.parse(at) + 2_000),
  });
  const { record } = await toTurnRecord(turn, { reducers: createDefaultReducers() });
  return asStoredBeforeSessions(record);
}

/** A derived record as a build from before sessions stored it: its raw bytes, no session, usage or nodes. */
export function asStoredBeforeSessions(record: TurnRecord): TurnRecord {
  const { session: _session, usage: _usage, cost: _cost, model: _model, nodeText: _text, ...rest } = record;
  return { ...rest, nodes: [], outcome: 'unreduced', diagnostics: [{ code: 'reducer_error', detail: 'no reducer for anthropic.messages' }] };
}
