import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';
import { BACKENDS, startIngest } from './harness';

/** #16: a sidecar posts each turn's chunk timing as response_chunks; ingest stores what describes the body. */
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const body = readFixture(fixture.responseFile);

function envelope(requestId: string, chunks?: unknown): Record<string, unknown> {
  return {
    provider: 'anthropic',
    request_id: requestId,
    capture_site: 'sidecar',
    path: fixture.path,
    request_body_base64: Buffer.from(JSON.stringify(fixture.request)).toString('base64'),
    response_body_base64: body.toString('base64'),
    response_content_type: fixture.contentType,
    status: 200,
    started_at: '2026-11-30T10:00:00.000Z',
    ended_at: '2026-11-30T10:00:02.000Z',
    ...(chunks === undefined ? {} : { response_chunks: chunks }),
  };
}

describe.each(BACKENDS)('chunk timing through ingest on $name', (backend) => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  const post = (payload: unknown) => app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/v1/ingest', payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    app = await startIngest(store);
  });
  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  it('stores the chunk timing a turn carries, and a turn posted without one has none', async () => {
    expect((await post(envelope('timed', [[0, 300], [100, 950]]))).statusCode).toBe(202);
    expect((await post(envelope('untimed'))).statusCode).toBe(202);
    expect((await store.getTurn('timed'))!.responseChunks).toEqual([
      [0, 300],
      [100, 950],
    ]);
    expect(await store.getTurn('untimed')).not.toHaveProperty('responseChunks');
  });

  it('keeps the turn and drops the marks that name bytes the body does not have', async () => {
    expect((await post(envelope('past-the-end', [[0, 300], [body.length + 10, 900]]))).statusCode).toBe(202);
    expect((await store.getTurn('past-the-end'))!.responseChunks).toEqual([[0, 300]]);
  });

  it('refuses a malformed timing with a 400 naming response_chunks, and stores nothing', async () => {
    const res = await post(envelope('malformed', [[5, 1], [2, 3]]));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { message: expect.stringContaining('response_chunks') } });
    expect(await store.hasTurn('malformed')).toBe(false);
  });
});
