import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { closeOnSignals, parseConfig, TapesLogger } from '@tapes/nest-kit';
import { proxyConfigSchema } from './config/proxy-config';
import { startupLines } from './config/startup-line';
import { createProxyApp } from './proxy-app';

/** Parses the configuration, creates the app, listens, and says where (the one start-up line). */
export async function serve(): Promise<void> {
  const config = parseConfig('tapes proxy', proxyConfigSchema);
  const app = await createProxyApp({ config });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.getHttpServer().address() as AddressInfo;
  const logger = app.get(TapesLogger);
  closeOnSignals(app, logger);
  const { lines, fields } = startupLines(config, address.port);
  logger.announce(lines, fields);
}
