import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createDefaultReducers } from '@tapes/capture';
import { ConfigError, parseConfig } from '@tapes/nest-kit';
import { Logger } from 'nestjs-pino';
import { proxyConfigSchema } from './config/proxy-config';
import { startupLine } from './config/startup-line';
import { createProxyApp } from './proxy-app';
import { isStorageWorker, runStorageWorker } from './storage/storage-worker';

async function main(): Promise<void> {
  const config = parseConfig('tapes proxy', proxyConfigSchema);
  const app = await createProxyApp({ config, createReducers: createDefaultReducers });
  app.enableShutdownHooks();
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.getHttpServer().address() as AddressInfo;
  app.get(Logger).log(startupLine(config, address.port));
}

// The bundle is also the storage worker's entry (see storage/worker-turn-store.ts).
if (isStorageWorker()) {
  runStorageWorker();
} else {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error('tapes proxy failed to start:', err);
    process.exit(1);
  });
}
