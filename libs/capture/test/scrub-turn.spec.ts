import { gzipSync } from 'node:zlib';
import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';
import { capturedTurn, createDefaultReducers, toTurnRecord, type CapturedTurn } from '../src/index';

const reducers = createDefaultReducers();
const KEY = 'sk-ant-api03-EXAMPLE0nly-Zx9kQ2mWv7LpR4tYb8NcE1fHj6GsD3aU0oKi_Pq5XyTz-AA';
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const oneshot = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_oneshot')!;

function turn(overrides: Partial<Parameters<typeof capturedTurn>[0]> = {}): CapturedTurn {
  const request = { ...(oneshot.request as Record<string, unknown>), messages: [{ role: 'user', content: `deploy with ANTHROPIC_API_KEY=${KEY} please` }] };
  return capturedTurn({
    requestId: 'scrub-1',
    site: 'proxy',
    provider: 'anthropic',
    api: oneshot.api,
    method: 'POST',
    path: oneshot.path,
    status: 200,
    requestHeaders: { 'content-type': 'application/json' },
    responseHeaders: { 'content-type': 'application/json' },
    requestBody: Buffer.from(JSON.stringify(request)),
    responseBody: readFixture(oneshot.responseFile),
    startedAt: new Date(),
    endedAt: new Date(),
    ...overrides,
  });
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('the opt-in body scrubber in the pipeline (#13)', () => {
  it('is off by default: the bytes and the nodes keep what the agent sent', async () => {
    const { record } = await toTurnRecord(turn(), { reducers });
    expect(text(record.requestBody)).toContain(KEY);
    expect(JSON.stringify(record.nodes)).toContain(KEY);
  });

  it('replaces secrets before reduction: stored bytes and nodes agree, a diagnostic counts them', async () => {
    const { record } = await toTurnRecord(turn(), { reducers, scrubBodySecrets: true });
    expect(text(record.requestBody)).not.toContain(KEY);
    expect(text(record.requestBody)).toContain(`[redacted:${KEY.length}]`);
    expect(JSON.stringify(record.nodes)).not.toContain(KEY);
    expect(record.nodes[0]!.bucket.content[0]!.text).toBe(`deploy with ANTHROPIC_API_KEY=[redacted:${KEY.length}] please`);
    expect(record.outcome).toBe('complete');
    expect(record.diagnostics).toEqual([expect.objectContaining({ code: 'secrets_scrubbed', data: { side: 'request', found: 1 } })]);
    // Re-deriving the stored bytes (scrubber on or off) gives the same nodes.
    const again = await toTurnRecord({ ...turn(), requestBody: record.requestBody! }, { reducers });
    expect(again.record.nodes.map((n) => n.hash)).toEqual(record.nodes.map((n) => n.hash));
  });

  it('scrubs an encoded response by storing it decoded, without its encoding and its chunk timing', async () => {
    const withKey = Buffer.from(text(readFixture(oneshot.responseFile)).replace('"text":"', `"text":"${AWS} `));
    const encoded = turn({ responseBody: gzipSync(withKey), responseHeaders: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, responseChunks: [[0, 5]] });
    const { record } = await toTurnRecord(encoded, { reducers, scrubBodySecrets: true });
    expect(record.responseContentEncoding).toBeUndefined();
    expect(record.responseHeaders?.['content-encoding']).toBeUndefined();
    expect(record.responseChunks).toBeUndefined();
    expect(text(record.responseBody)).toContain(`[redacted:${AWS.length}]`);
    expect(JSON.stringify(record.nodes)).not.toContain(AWS);
    expect(record.diagnostics?.map((d) => d.data)).toEqual([{ side: 'request', found: 1 }, { side: 'response', found: 1 }]);
  });

  it('leaves a body without secrets exactly as it came (still encoded)', async () => {
    const plain = turn({ requestBody: Buffer.from(JSON.stringify(oneshot.request)), responseBody: gzipSync(readFixture(oneshot.responseFile)), responseHeaders: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    const { record } = await toTurnRecord(plain, { reducers, scrubBodySecrets: true });
    expect(Buffer.from(record.responseBody!).equals(Buffer.from(plain.responseBody))).toBe(true);
    expect(record.responseContentEncoding).toBe('gzip');
    expect(record.diagnostics).toEqual([]);
  });
});
