import 'reflect-metadata';
import { closeOnSignals, ConfigError, configDeprecations, isLoopbackBind, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { createDefaultReducers, redactUrl } from '@tapes/capture';
import { resolveStorageTarget } from '@tapes/storage';
import { createIngestApp } from './app.factory';
import { ingestConfigSchema } from './config/ingest-config';

async function main(): Promise<void> {
  const config = parseConfig('tapes ingest', ingestConfigSchema);
  const app = await createIngestApp({ config, reducers: createDefaultReducers });
  await app.listen(config.listen.port, config.listen.host);
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  for (const warning of configDeprecations(config)) logger.warn(warning, 'Config');
  const base = `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`;
  const target = resolveStorageTarget(config.databaseUrl, config.dataDir);
  const storage = target.backend === 'postgresql' ? `PostgreSQL ${redactUrl(target.url)}` : `SQLite ${target.file}`;
  const exposed = !isLoopbackBind(config.listen.host);
  // Who may post and read, in plain words: the token, or its absence and what that exposes (#13).
  const auth = config.access.token
    ? 'token required to post and to read turns (INGEST_TOKEN)'
    : exposed
      ? 'OFF (INGEST_AUTH=off) — anyone who can reach this port may post turns, and read them from an allowed Host'
      : 'off — anyone on this machine may post and read turns (set INGEST_TOKEN to require one)';
  const hosts = `reads answer Host localhost / 127.0.0.1 / [::1]${config.access.allowedHosts.length ? ` and ${config.access.allowedHosts.join(', ')}` : ''} (INGEST_ALLOWED_HOSTS)`;
  logger.announce(
    [
      `tapes ingest listening on ${base}${exposed ? ' — reachable from other machines' : ''}`,
      `  storing turns in ${storage}`,
      `  auth: ${auth}; ${hosts}`,
      `  post turns to ${base}/v1/ingest · API description ${base}/openapi.json`,
    ],
    { listen: `${config.listen.host}:${config.listen.port}`, storage, auth: config.access.token ? 'bearer' : 'off', allowedHosts: config.access.allowedHosts },
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes ingest failed to start:', err);
  process.exit(1);
});
