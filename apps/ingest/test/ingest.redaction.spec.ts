import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';
import { BACKENDS, startIngest } from './harness';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;

describe.each(BACKENDS)('ingest redacts credentials like every capture site (#11) on $name', (backend) => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    app = await startIngest(store);
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it('stores a posted path with its query credentials redacted, and header credentials redacted', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      payload: {
        provider: 'anthropic',
        path: '/v1/messages?beta=true&key=SECRET-query-key&api_key=SECRET-api-key',
        request_id: 'redact-1',
        request: fixture.request,
        response_body: readFixture(fixture.responseFile).toString('utf8'),
        response_content_type: fixture.contentType,
        request_headers: { 'x-api-key': 'sk-ant-SECRET-header', 'anthropic-version': '2023-06-01' },
      },
    });
    expect(res.statusCode).toBe(202);
    const turn = await store.getTurn('redact-1');
    expect(turn!.path).toBe('/v1/messages?beta=true&key=%5Bredacted%3A16%5D&api_key=%5Bredacted%3A14%5D');
    expect(turn!.requestHeaders!['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(turn)).not.toContain('SECRET');
  });
});
