import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createDefaultReducers } from '@tapes/capture';
import { parseConfig } from '@tapes/nest-kit';
import { Logger } from 'nestjs-pino';
import { proxyConfigSchema } from './config/proxy-config';
import { startupLine } from './config/startup-line';
import { createProxyApp } from './proxy-app';

/** Parses the configuration, creates the app, listens, and says where (the one start-up line). */
export async function serve(): Promise<void> {
  const config = parseConfig('tapes proxy', proxyConfigSchema);
  const app = await createProxyApp({ config, createReducers: createDefaultReducers });
  app.enableShutdownHooks();
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.getHttpServer().address() as AddressInfo;
  app.get(Logger).log(startupLine(config, address.port));
}
