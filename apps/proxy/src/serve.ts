import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { closeOnSignals, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { proxyConfigSchema } from './config/proxy-config';
import { startupLines } from './config/startup-line';
import { createProxyApp } from './proxy-app';
import { WorkerTurnStore } from './storage/worker-turn-store';

/** Parses the configuration, creates the app, listens, and says where (the one start-up line). */
export async function serve(): Promise<void> {
  const config = parseConfig('tapes proxy', proxyConfigSchema);
  // Listening does not wait for the storage worker to open the database (#17: agents start the
  // proxy on demand); a store that cannot open at all (a failed migration history) still stops it.
  const app = await createProxyApp({ config, storageInBackground: true });
  app.get(WorkerTurnStore).opened.catch((err: unknown) => {
    console.error('tapes proxy failed to start:', err);
    process.exit(1);
  });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.getHttpServer().address() as AddressInfo;
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  const { lines, fields } = startupLines(config, address.port);
  logger.announce(lines, fields);
}
