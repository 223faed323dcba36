import { capturedTurn } from './captured-turn';
import { envelopeToCapturedTurn, ingestEnvelopeSchema, toIngestEnvelope } from './ingest-envelope';

const turn = capturedTurn({
  requestId: 'req-chunks',
  site: 'sidecar',
  provider: 'anthropic',
  api: 'anthropic.messages',
  method: 'POST',
  path: '/v1/messages',
  status: 200,
  requestHeaders: { 'content-type': 'application/json' },
  responseHeaders: { 'content-type': 'text/event-stream' },
  requestBody: Buffer.from('{"model":"m","messages":[]}'),
  responseBody: Buffer.from('event: a\n\nevent: b\n\n'),
  startedAt: new Date('2026-01-02T03:04:05.000Z'),
  firstByteAt: new Date('2026-01-02T03:04:05.300Z'),
  endedAt: new Date('2026-01-02T03:04:06.000Z'),
  responseChunks: [
    [0, 300],
    [10, 950],
  ],
});

describe('the ingest envelope carries chunk timing (#16)', () => {
  it('round-trips response_chunks from the sidecar to ingest', () => {
    const envelope = ingestEnvelopeSchema.parse(JSON.parse(JSON.stringify(toIngestEnvelope(turn))));
    expect(envelope.response_chunks).toEqual([
      [0, 300],
      [10, 950],
    ]);
    const back = envelopeToCapturedTurn(envelope, { requestId: turn.requestId, provider: 'anthropic', api: 'anthropic.messages', site: 'sidecar', now: new Date() });
    expect(back.responseChunks).toEqual(turn.responseChunks);
  });

  it('leaves response_chunks out for a turn without timing (older sidecars post none, and are still valid)', () => {
    const envelope = toIngestEnvelope({ ...turn, responseChunks: undefined });
    expect(envelope).not.toHaveProperty('response_chunks');
    const back = envelopeToCapturedTurn(ingestEnvelopeSchema.parse(envelope), { requestId: 'r', provider: 'anthropic', api: 'anthropic.messages', site: 'ingest', now: new Date() });
    expect(back).not.toHaveProperty('responseChunks');
  });

  it.each([
    { name: 'not an array', value: 'soon', message: /response_chunks/ },
    { name: 'a pair with a negative offset', value: [[-1, 3]], message: /response_chunks/ },
    { name: 'a pair of three', value: [[0, 3, 4]], message: /response_chunks/ },
    { name: 'offsets that do not increase', value: [[0, 3], [0, 4]], message: /offsets must increase/ },
  ])('refuses response_chunks that are $name, naming the field', ({ value, message }) => {
    const result = ingestEnvelopeSchema.safeParse({ ...toIngestEnvelope(turn), response_chunks: value });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
    expect(issues).toMatch(/^response_chunks/);
    expect(issues).toMatch(message);
  });
});
