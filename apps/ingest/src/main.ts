import 'reflect-metadata';
import { closeOnSignals, ConfigError, isLoopbackBind, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { createDefaultReducers, redactUrl } from '@tapes/capture';
import { resolveStorageTarget } from '@tapes/storage';
import { createIngestApp } from './app.factory';
import { ingestConfigSchema } from './config/ingest-config';

async function main(): Promise<void> {
  const config = parseConfig('tapes ingest', ingestConfigSchema);
  const app = await createIngestApp({ config, reducers: createDefaultReducers });
  await app.listen(config.INGEST_PORT, config.INGEST_HOST);
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  const base = `http://${config.INGEST_HOST.includes(':') ? `[${config.INGEST_HOST}]` : config.INGEST_HOST}:${config.INGEST_PORT}`;
  const target = resolveStorageTarget(config.DATABASE_URL, config.TAPES_DATA_DIR);
  const storage = target.backend === 'postgresql' ? `PostgreSQL ${redactUrl(target.url)}` : `SQLite ${target.file}`;
  const exposed = !isLoopbackBind(config.INGEST_HOST);
  // Who may post and read, in plain words: the token, or its absence and what that exposes (#13).
  const auth = config.INGEST_TOKEN
    ? 'token required to post and to read turns (INGEST_TOKEN)'
    : exposed
      ? 'OFF (INGEST_AUTH=off) — anyone who can reach this port may post turns, and read them from an allowed Host'
      : 'off — anyone on this machine may post and read turns (set INGEST_TOKEN to require one)';
  const hosts = `reads answer Host localhost / 127.0.0.1 / [::1]${config.INGEST_ALLOWED_HOSTS.length ? ` and ${config.INGEST_ALLOWED_HOSTS.join(', ')}` : ''} (INGEST_ALLOWED_HOSTS)`;
  logger.announce(
    [
      `tapes ingest listening on ${base}${exposed ? ' — reachable from other machines' : ''}`,
      `  storing turns in ${storage}`,
      `  auth: ${auth}; ${hosts}`,
      `  post turns to ${base}/v1/ingest · API description ${base}/openapi.json`,
    ],
    { listen: `${config.INGEST_HOST}:${config.INGEST_PORT}`, storage, auth: config.INGEST_TOKEN ? 'bearer' : 'off', allowedHosts: config.INGEST_ALLOWED_HOSTS },
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes ingest failed to start:', err);
  process.exit(1);
});
