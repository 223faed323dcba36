import fc from 'fast-check';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { BACKENDS, startIngest } from './harness';

/** Bodies a broken or hostile client might send: every one must get a 4xx and change nothing. */
const json = fc.jsonValue({ maxDepth: 4 });
const deep = fc.integer({ min: 200, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const deepObject = fc.integer({ min: 300, max: 2000 }).map((n) => ({ provider: 'anthropic', request: JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)), response: {} }));
const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from('{"provider":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
const wrongTypes = fc.record(
  {
    provider: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.constant(null)),
    request: json,
    response_body: fc.oneof(fc.integer(), fc.object()),
    request_id: fc.oneof(fc.integer(), fc.constant('')),
    status: fc.oneof(fc.string(), fc.integer({ min: 600 })),
    started_at: fc.string(),
  },
  { requiredKeys: [] },
);
const missingForms = fc.record({ provider: fc.constantFrom('anthropic', 'openai', 'ollama', 'acme', ''), agent_name: fc.string() });
const hugeString = fc.integer({ min: 1, max: 4 }).map((n) => ({ provider: 'anthropic', agent_name: 'x'.repeat(300 * n), request: {}, response: {} }));
const unknownOrUnparseable = fc.record({ provider: fc.oneof(fc.string(), fc.constantFrom('anthropic', 'openai', 'ollama')), request: json, response: json });
const overLimit = fc.integer({ min: 1, max: 3 }).map((n) => JSON.stringify({ provider: 'anthropic', request: {}, response_body: 'x'.repeat(1024 * 1024 * n) }));
const nonJson = fc.oneof(fc.string(), fc.constant('{"provider":'), fc.constant('\u0000\u0001'), fc.constant('null'));

const bodies = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  deep,
  deepObject.map((v) => JSON.stringify(v)),
  invalidUtf8,
  wrongTypes.map((v) => JSON.stringify(v)),
  missingForms.map((v) => JSON.stringify(v)),
  hugeString.map((v) => JSON.stringify(v)),
  nonJson,
  unknownOrUnparseable.map((v) => JSON.stringify(v)),
  overLimit,
);

describe('ingest under generated bad input', () => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await BACKENDS[0]!.open());
    app = await startIngest(store, { INGEST_BODY_LIMIT: '1mb' });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it('answers every generated bad body with a 4xx JSON error and never writes a row', async () => {
    const before = await store.counts();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom('/v1/ingest', '/v1/ingest/batch'), async (payload, url) => {
        const contentType = typeof payload === 'string' && payload.startsWith('{') && payload.length % 7 === 0 ? 'text/plain' : 'application/json';
        const res = await app.getHttpAdapter().getInstance().inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        const body = JSON.parse(res.body);
        expect(typeof (body.error?.code ?? body.results)).not.toBe('undefined');
      }),
      { numRuns: 2500 },
    );
    expect(await store.counts()).toEqual(before);
    console.log('status codes seen:', Object.fromEntries(seen));
  }, 120_000);
});
