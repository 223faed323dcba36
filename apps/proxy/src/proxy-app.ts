import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RequestListener } from 'node:http';
import { TapesLogger } from '@tapes/nest-kit';
import { AppModule, INTERNAL_PREFIX, type ProxyAppOptions } from './app.module';
import { ForwardingService } from './forwarding/forwarding.service';
import { createProxyServer, type ExchangeHandler } from './forwarding/proxy-server';

/** Builds the proxy app, initialised but not listening: shared by main.ts, the tests and the benchmark. */
export async function createProxyApp(options: ProxyAppOptions): Promise<NestFastifyApplication> {
  // Set once the app is initialised; the server does not listen before that.
  const exchanges: { handler?: ExchangeHandler } = {};
  const adapter = new FastifyAdapter({ serverFactory: (fastifyHandler: RequestListener) => createProxyServer(fastifyHandler, INTERNAL_PREFIX, () => exchanges.handler) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(TapesLogger));
  await app.init();
  const forwarding = app.get(ForwardingService);
  exchanges.handler = { forward: (req, res) => void forwarding.forward(req, res) };
  return app;
}
