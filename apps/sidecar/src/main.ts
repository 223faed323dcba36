import 'reflect-metadata';
import { createDefaultReducers } from '@tapes/capture';
import { closeOnSignals, ConfigError, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { createSidecarApp } from './app.factory';
import { sidecarConfigSchema } from './config/sidecar-config';
import { ExtProcServer } from './ext-proc/ext-proc.server';

async function main(): Promise<void> {
  const config = parseConfig('tapes sidecar', sidecarConfigSchema);
  const app = await createSidecarApp({ config, reducers: createDefaultReducers });
  await app.listen(config.SIDECAR_HTTP_PORT, config.SIDECAR_HTTP_HOST);
  const grpcPort = app.get(ExtProcServer).port;
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  logger.announce(
    [
      `tapes sidecar: ext_proc (gRPC) on ${config.SIDECAR_GRPC_HOST}:${grpcPort}`,
      `  health and metrics on http://${config.SIDECAR_HTTP_HOST}:${config.SIDECAR_HTTP_PORT}`,
      `  delivering turns to ${config.INGEST_URL} (token ${config.INGEST_TOKEN ? 'set' : 'unset'}) · spool ${config.SPOOL_DIR}`,
    ],
    { grpc: `${config.SIDECAR_GRPC_HOST}:${grpcPort}`, http: `${config.SIDECAR_HTTP_HOST}:${config.SIDECAR_HTTP_PORT}`, ingest: config.INGEST_URL },
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes sidecar failed to start:', err);
  process.exit(1);
});
