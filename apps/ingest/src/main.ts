import 'reflect-metadata';
import { closeOnSignals, ConfigError, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { createDefaultReducers } from '@tapes/capture';
import { createIngestApp } from './app.factory';
import { ingestConfigSchema } from './config/ingest-config';

async function main(): Promise<void> {
  const config = parseConfig('tapes ingest', ingestConfigSchema);
  const app = await createIngestApp({ config, reducers: createDefaultReducers });
  await app.listen(config.INGEST_PORT, config.INGEST_HOST);
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  const base = `http://${config.INGEST_HOST.includes(':') ? `[${config.INGEST_HOST}]` : config.INGEST_HOST}:${config.INGEST_PORT}`;
  const storage = config.DATABASE_URL ? `PostgreSQL ${config.DATABASE_URL.replace(/\/\/[^@/]*@/, '//***@')}` : `SQLite ${config.TAPES_DATA_DIR}/tapes.db`;
  logger.announce(
    [
      `tapes ingest listening on ${base}`,
      `  storing turns in ${storage}`,
      `  auth: ${config.INGEST_TOKEN ? 'bearer token required (INGEST_TOKEN)' : 'off — anyone who can reach this port may post and read turns'}`,
      `  post turns to ${base}/v1/ingest · API description ${base}/openapi.json`,
    ],
    { listen: `${config.INGEST_HOST}:${config.INGEST_PORT}`, storage, auth: config.INGEST_TOKEN ? 'bearer' : 'off' },
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes ingest failed to start:', err);
  process.exit(1);
});
