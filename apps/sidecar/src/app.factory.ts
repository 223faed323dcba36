import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { TapesLogger } from '@tapes/nest-kit';
import { AppModule, type SidecarAppOptions } from './app.module';

/**
 * Builds the sidecar (initialised: the gRPC server is listening and the spool drainer running;
 * the HTTP side is not yet listening). Shared by main.ts and the tests.
 */
export async function createSidecarApp(options: SidecarAppOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), new FastifyAdapter(), { bufferLogs: true });
  app.useLogger(app.get(TapesLogger));
  await app.init();
  return app;
}
