import 'reflect-metadata';
import { createDefaultReducers } from '@tapes/capture';
import { closeOnSignals, ConfigError, configDeprecations, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { createSidecarApp } from './app.factory';
import { sidecarConfigSchema } from './config/sidecar-config';
import { ExtProcServer } from './ext-proc/ext-proc.server';

async function main(): Promise<void> {
  const config = parseConfig('tapes sidecar', sidecarConfigSchema);
  const app = await createSidecarApp({ config, reducers: createDefaultReducers });
  await app.listen(config.http.port, config.http.host);
  const grpcPort = app.get(ExtProcServer).port;
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  for (const warning of configDeprecations(config)) logger.warn(warning, 'Config');
  logger.announce(
    [
      `tapes sidecar: ext_proc (gRPC) on ${config.grpc.host}:${grpcPort}`,
      `  health and metrics on http://${config.http.host}:${config.http.port}`,
      `  delivering turns to ${config.ingest.url} (token ${config.ingest.token ? 'set' : 'unset'}) · spool ${config.spoolDir}`,
    ],
    { grpc: `${config.grpc.host}:${grpcPort}`, http: `${config.http.host}:${config.http.port}`, ingest: config.ingest.url },
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('tapes sidecar failed to start:', err);
  process.exit(1);
});
