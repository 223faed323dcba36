import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RequestListener } from 'node:http';
import { installAccessControl, TapesLogger } from '@tapes/nest-kit';
import { proxyAccessPolicy } from './access/proxy-access-policy';
import { AppModule, INTERNAL_PREFIX, type ProxyAppOptions } from './app.module';
import { ForwardingService } from './forwarding/forwarding.service';
import { ProxyMetrics } from './metrics/proxy-metrics';
import { createProxyServer, type ExchangeHandler } from './forwarding/proxy-server';
import { dataDirProblemLine, prepareDataDir } from './storage/data-dir';
import { WorkerTurnStore } from './storage/worker-turn-store';

/** Builds the proxy app, initialised but not listening: shared by main.ts, the tests and the benchmark. */
export async function createProxyApp(options: ProxyAppOptions): Promise<NestFastifyApplication> {
  // Set once the app is initialised; the server does not listen before that.
  const exchanges: { handler?: ExchangeHandler } = {};
  // The data directory holds the database and the journal: the owner's alone (#13). One that
  // cannot be made does not stop the proxy (#12): it forwards, and capture reports itself down.
  const dataDirProblem = prepareDataDir(options.config.dataDir);
  const limits = { maxConnections: options.config.limits.maxConnections };
  const adapter = new FastifyAdapter({ serverFactory: (fastifyHandler: RequestListener) => createProxyServer(fastifyHandler, INTERNAL_PREFIX, () => exchanges.handler, limits) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(TapesLogger));
  if (dataDirProblem) app.get(TapesLogger).error(dataDirProblemLine(options.config.dataDir, dataDirProblem), 'DataDir');
  // Before any route: the Host check and the read token run ahead of routing and body parsing (#13).
  installAccessControl(app.getHttpAdapter().getInstance(), proxyAccessPolicy(options.config, INTERNAL_PREFIX));
  const refused = app.get(ProxyMetrics).connectionsRefused;
  app.getHttpServer().on('drop', () => refused.inc());
  await app.init();
  if (!options.storageInBackground) await app.get(WorkerTurnStore).opened;
  const forwarding = app.get(ForwardingService);
  exchanges.handler = { forward: (req, res) => void forwarding.forward(req, res) };
  return app;
}
