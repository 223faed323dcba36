import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, type ProxyAppOptions } from './app.module';
import { passRequestBodiesThrough } from './forwarding/passthrough-body';

/** Builds the proxy app, initialised but not listening: shared by main.ts, the tests and the benchmark. */
export async function createProxyApp(options: ProxyAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Node's default 5-minute request timeout would cut a slow upload; the idle timeouts of the
    // upstream leg are the proxy's only timers.
    requestTimeout: 0,
    // The wildcard route carries whole upstream paths; find-my-way would 414 long ones.
    routerOptions: { maxParamLength: 64 * 1024 },
  });
  passRequestBodiesThrough(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, { bodyParser: false, bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  await app.init();
  return app;
}
