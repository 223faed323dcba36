import { Module } from '@nestjs/common';
import { APP_FILTER, NestFactory, RouterModule } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDefaultReducers, toTurnRecord, type TurnRecord } from '@tapes/capture';
import { fixtureTurn } from '@tapes/capture/testing';
import { CaptureModule, StorageModule, TapesExceptionFilter } from '@tapes/nest-kit';
import type { TurnStore } from '@tapes/storage';
import type { TurnFixture } from '@tapes/testing';
import { ReadApiModule } from '../../src/index';

const reducers = createDefaultReducers();

export const SESSION = '0d6f1c2e-1111-4a5b-9c8d-123456789abc';
/** Claude Code's own headers (and a credential that must never come back). */
export const CLAUDE = { 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': SESSION, 'x-api-key': 'sk-ant-api03-SECRETSECRETSECRET' };

/** A turn as the proxy would have captured it: `fixture`'s request and response bytes. */
export async function record(
  fixture: TurnFixture,
  requestId: string,
  headers: Record<string, string>,
  at: string,
  options: { request?: Record<string, unknown>; responseBody?: Buffer; responseHeaders?: Record<string, string> } = {},
): Promise<TurnRecord> {
  const turn = fixtureTurn(fixture, {
    requestId,
    requestHeaders: { 'content-type': 'application/json', ...headers },
    responseHeaders: { ...(fixture.contentType ? { 'content-type': fixture.contentType } : {}), ...options.responseHeaders },
    ...(options.request !== undefined ? { requestBody: Buffer.from(JSON.stringify(options.request)) } : {}),
    ...(options.responseBody !== undefined ? { responseBody: options.responseBody } : {}),
    startedAt: new Date(at),
    firstByteAt: new Date(Date.parse(at) + 300),
    endedAt: new Date(Date.parse(at) + 2_000),
  });
  return (await toTurnRecord(turn, { reducers })).record;
}

export { TEST_STORES as BACKENDS } from '@tapes/storage/testing';

/** The read API mounted at /v1 over `store`, as ingest mounts it (with the app's reducers and error filter). */
export async function startReadApi(store: TurnStore): Promise<NestFastifyApplication> {
  @Module({
    imports: [
      StorageModule.register({ store }),
      CaptureModule.forRoot(createDefaultReducers),
      ReadApiModule.register(),
      RouterModule.register([{ path: 'v1', module: ReadApiModule }]),
    ],
    providers: [{ provide: APP_FILTER, useClass: TapesExceptionFilter }],
  })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
