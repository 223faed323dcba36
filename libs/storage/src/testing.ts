// The third public entry of libs/storage, for tests only: both backends as suites run on them.
// Apps never import it (their bundles stay free of @tapes/testing).
import { createTestPostgres, createTestSqlite } from '@tapes/testing';
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
