import 'reflect-metadata';
import { ConfigError, parseConfig } from '@tapes/nest-kit';
import { createDefaultReducers } from '@tapes/capture';
import { createIngestApp } from './app.factory';
import { ingestConfigSchema } from './config/ingest-config';

async function main(): Promise<void> {
  const config = parseConfig('tapes ingest', ingestConfigSchema);
  const app = await createIngestApp({ config, reducers: createDefaultReducers });
  await app.listen(config.INGEST_PORT, config.INGEST_HOST);
  const storage = config.DATABASE_URL ? config.DATABASE_URL.replace(/\/\/[^@/]*@/, '//***@') : `${config.TAPES_DATA_DIR}/tapes.db (embedded SQLite)`;
  app
    .get(await import('nestjs-pino').then((m) => m.Logger))
    .log(`tapes ingest listening on http://${config.INGEST_HOST}:${config.INGEST_PORT} · storage ${storage} · auth ${config.INGEST_TOKEN ? 'bearer token' : 'off'} · POST /v1/ingest, GET /openapi.json`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes ingest failed to start:', err);
  process.exit(1);
});
