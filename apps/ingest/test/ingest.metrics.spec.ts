import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { readFixture } from '@tapes/testing';
import { BACKENDS, startIngest } from './harness';

const oneshot = JSON.parse(readFixture('anthropic/messages_oneshot.json').toString('utf8'));
const request = { model: 'claude-3-5-sonnet-20241022', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] };
const TOKEN = 'metrics-test-token-0123456789abcdef';

describe('ingest metrics', () => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await BACKENDS[0]!.open());
    app = await startIngest(store, { INGEST_BODY_LIMIT: '64kb', INGEST_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  const send = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.getHttpAdapter().getInstance().inject({
      method: 'POST',
      url,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    });

  it('counts every path exactly — single, batch, and what the framework rejects before a handler', async () => {
    const turn = (id: string, extra: object = {}) => ({ provider: 'anthropic', request, response: oneshot, request_id: id, ...extra });
    expect((await send('/v1/ingest', turn('m1'))).statusCode).toBe(202);
    expect((await send('/v1/ingest', turn('m1'))).statusCode).toBe(202); // duplicate
    expect((await send('/v1/ingest', turn('m2', { provider: 'acme' }))).statusCode).toBe(422);
    expect((await send('/v1/ingest', turn('m3', { provider: 'openai', request: 'x' }))).statusCode).toBe(422);
    expect((await send('/v1/ingest', '{broken')).statusCode).toBe(400);
    expect((await send('/v1/ingest', turn('m4', { pad: 'x'.repeat(70_000) }))).statusCode).toBe(413);
    expect((await send('/v1/ingest', 'hello', { 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await send('/v1/ingest', turn('m5'), { authorization: 'Bearer nope' })).statusCode).toBe(401);
    const batch = await send('/v1/ingest/batch', { turns: [turn('b1'), turn('b2', { provider: 'acme' }), turn('b3')] });
    expect(batch.statusCode).toBe(207);

    const text = (await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/metrics' })).body;
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('tapes_ingest_writes_total{provider="anthropic",status="accepted",app="ingest"}')).toBe(3);
    expect(value('tapes_ingest_writes_total{provider="anthropic",status="duplicate",app="ingest"}')).toBe(1);
    expect(value('tapes_ingest_writes_total{provider="unknown",status="unknown_provider",app="ingest"}')).toBe(2);
    expect(value('tapes_ingest_writes_total{provider="openai",status="reject_parse",app="ingest"}')).toBe(1);
    expect(value('tapes_ingest_writes_total{provider="unknown",status="reject_envelope",app="ingest"}')).toBe(2);
    expect(value('tapes_ingest_writes_total{provider="unknown",status="reject_too_large",app="ingest"}')).toBe(1);
    expect(value('tapes_ingest_writes_total{provider="unknown",status="reject_auth",app="ingest"}')).toBe(1);
    expect(value('tapes_ingest_batches_total{status="207",app="ingest"}')).toBe(1);
    // The same drops under the label set the proxy and the sidecar count theirs with.
    expect(value('tapes_ingest_turns_dropped_total{provider="unknown",reason="unknown_provider",app="ingest"}')).toBe(2);
    expect(value('tapes_ingest_turns_dropped_total{provider="openai",reason="reject_parse",app="ingest"}')).toBe(1);
    expect(value('tapes_ingest_turns_dropped_total{provider="unknown",reason="reject_auth",app="ingest"}')).toBe(1);
    expect(text).not.toContain('tapes_ingest_turns_dropped_total{provider="anthropic",reason="duplicate"');
    expect(value('tapes_ingest_dag_write_seconds_count{app="ingest",provider="anthropic"}')).toBe(4);
    expect(value('tapes_ingest_body_bytes_count{app="ingest",provider="anthropic"}')).toBe(4);
    expect(value('tapes_ingest_worker_queue_depth{app="ingest"}')).toBe(0);
    expect(text).toMatch(/^tapes_ingest_build_info\{version="[^"]+",node="v20[^"]*",app="ingest"\} 1$/m);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
