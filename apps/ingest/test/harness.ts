import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDefaultReducers } from '@tapes/capture';
import { parseConfig } from '@tapes/nest-kit';
import { openStorage, type TurnStore } from '@tapes/storage';
import { createTestPostgres, createTestSqlite } from '@tapes/testing';
import { createIngestApp } from '../src/app.factory';
import { ingestConfigSchema } from '../src/config/ingest-config';

export interface Backend {
  name: 'sqlite' | 'postgresql';
  /** A fresh, migrated store of its own, and how to throw it away. */
  open(): Promise<{ store: TurnStore; url: string; dispose(): Promise<void> }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const db = createTestSqlite();
      const store = await openStorage({ url: db.url });
      return { store, url: db.url, dispose: async () => { await store.close(); db.cleanup(); } };
    },
  },
  {
    name: 'postgresql',
    async open() {
      const db = await createTestPostgres();
      const store = await openStorage({ url: db.url });
      return { store, url: db.url, dispose: async () => { await store.close(); await db.drop(); } };
    },
  },
];

/** The real ingest app on the given store, configured from env-style settings. */
export async function startIngest(store: TurnStore, env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const config = parseConfig('ingest test', ingestConfigSchema, { LOG_LEVEL: 'silent', ...env });
  return createIngestApp({ config, reducers: createDefaultReducers, store });
}
