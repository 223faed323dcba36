import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Module } from '@nestjs/common';
import { APP_FILTER, NestFactory, RouterModule } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDefaultReducers } from '@tapes/capture';
import { CaptureModule, StorageModule, TapesExceptionFilter } from '@tapes/nest-kit';
import { ReadApiModule } from '@tapes/read-api';
import type { TurnStore } from '@tapes/storage';

/** The read API over `store`, listening on a free port at `/v1` as ingest mounts it. */
export async function serveReadApi(store: TurnStore): Promise<{ url: string; close: () => Promise<void> }> {
  @Module({
    imports: [
      StorageModule.register({ store }),
      CaptureModule.forRoot(createDefaultReducers),
      ReadApiModule.register(),
      RouterModule.register([{ path: 'v1', module: ReadApiModule }]),
    ],
    providers: [{ provide: APP_FILTER, useClass: TapesExceptionFilter }],
  })
  class ReadApiTestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ReadApiTestModule, new FastifyAdapter(), { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, close: () => app.close() };
}
