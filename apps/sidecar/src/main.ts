import 'reflect-metadata';
import { createDefaultReducers } from '@tapes/capture';
import { ConfigError, parseConfig } from '@tapes/nest-kit';
import { Logger } from 'nestjs-pino';
import { createSidecarApp } from './app.factory';
import { sidecarConfigSchema } from './config/sidecar-config';
import { ExtProcServer } from './ext-proc/ext-proc.server';

async function main(): Promise<void> {
  const config = parseConfig('tapes sidecar', sidecarConfigSchema);
  const app = await createSidecarApp({ config, reducers: createDefaultReducers });
  app.enableShutdownHooks();
  await app.listen(config.SIDECAR_HTTP_PORT, config.SIDECAR_HTTP_HOST);
  const grpcPort = app.get(ExtProcServer).port;
  app
    .get(Logger)
    .log(
      `tapes sidecar: ext_proc on ${config.SIDECAR_GRPC_HOST}:${grpcPort} · health and metrics on http://${config.SIDECAR_HTTP_HOST}:${config.SIDECAR_HTTP_PORT} · ingest ${config.INGEST_URL} (token ${config.INGEST_TOKEN ? 'set' : 'unset'}) · spool ${config.SPOOL_DIR}`,
    );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes sidecar failed to start:', err);
  process.exit(1);
});
