import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDefaultReducers } from '@tapes/capture';
import { parseConfig } from '@tapes/nest-kit';
import type { TurnStore } from '@tapes/storage';
import { createIngestApp } from '../src/app.factory';
import { ingestConfigSchema } from '../src/config/ingest-config';

export { TEST_STORES as BACKENDS } from '@tapes/storage/testing';

/** The real ingest app on the given store, configured from env-style settings. */
export async function startIngest(store: TurnStore, env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const config = parseConfig('ingest test', ingestConfigSchema, { LOG_LEVEL: 'silent', ...env });
  return createIngestApp({ config, reducers: createDefaultReducers, store });
}
