import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { readFixture, takePostgresOffline } from '@tapes/testing';
import { BACKENDS, startIngest } from './harness';

const stream = readFixture('anthropic/messages_tool_use.sse');
const turn = (i: number) => ({
  provider: 'anthropic',
  path: '/v1/messages',
  request_id: `outage-${i}`,
  agent_name: 'outage',
  request_body: JSON.stringify({ model: 'claude-3-5-sonnet-20241022', max_tokens: 64, stream: true, messages: [{ role: 'user', content: `weather ${i}` }] }),
  response_body_base64: stream.toString('base64'),
  response_content_type: 'text/event-stream',
});

describe('ingest while PostgreSQL is unavailable', () => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let url: string;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, url, dispose } = await BACKENDS[1]!.open());
    app = await startIngest(store, { INGEST_RETRY_AFTER: '3s' });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  const send = (path: string, body: unknown) =>
    app.getHttpAdapter().getInstance().inject({ method: 'POST', url: path, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('answers 503 with Retry-After and writes nothing; the same requests succeed once it is back, each stored once', async () => {
    expect((await send('/v1/ingest', turn(0))).statusCode).toBe(202);
    const before = await store.counts();

    const outage = await takePostgresOffline(url);
    try {
      for (const i of [1, 2, 3]) {
        const res = await send('/v1/ingest', turn(i));
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('3');
        expect(res.json().error.code).toBe('storage_unavailable');
      }
      const batch = await send('/v1/ingest/batch', { turns: [turn(4), turn(5)] });
      expect(batch.statusCode).toBe(503);
      expect(batch.json()).toMatchObject({ accepted: 0 });
      const health = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
    } finally {
      await outage.restore();
    }

    expect(await store.counts()).toEqual(before);
    for (const i of [1, 2, 3]) expect((await send('/v1/ingest', turn(i))).statusCode).toBe(202);
    const batch = await send('/v1/ingest/batch', { turns: [turn(4), turn(5)] });
    expect(batch.statusCode).toBe(202);
    // retried again: all duplicates, nothing new
    expect((await send('/v1/ingest/batch', { turns: [turn(1), turn(4)] })).json().results.every((r: { duplicate: boolean }) => r.duplicate)).toBe(true);
    const after = await store.counts();
    expect(after.turns - before.turns).toBe(5);
  });
});
