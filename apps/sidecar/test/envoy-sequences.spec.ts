import { chunks, readFixture, REDACTION_MARKER, splitAt, TURN_FIXTURES, type TurnFixture } from '@tapes/testing';
import { envoySequence, responseBody, type ExchangeScript, type HeaderInput, type MessageOptions } from '@tapes/testing/envoy';
import { FakeIngest, type ReceivedTurn } from './fake-ingest';
import { startSidecar, tempSpoolDir, type RunningSidecar } from './sidecar-harness';

/**
 * Plays Envoy's ext_proc message sequences (docs/ext-proc.md §4) against the real sidecar, in
 * observability mode and in normal mode, for every fixture turn, and checks what reaches ingest:
 * exactly the bytes that crossed Envoy.
 */

type Shape = 'whole_bodies' | 'sse_chunks' | 'merged_and_empty' | 'trailers';
const SHAPES: Shape[] = ['whole_bodies', 'sse_chunks', 'merged_and_empty', 'trailers'];
const MODES: Array<{ name: string; options: MessageOptions }> = [
  { name: 'observability mode', options: { observabilityMode: true } },
  { name: 'normal mode', options: { observabilityMode: false } },
];

function scriptFor(fixture: TurnFixture, shape: Shape, requestId: string): { script: ExchangeScript; request: Buffer; response: Buffer } {
  const request = Buffer.from(JSON.stringify(fixture.request));
  const response = readFixture(fixture.responseFile);
  const responseHeaders: HeaderInput = fixture.contentType ? { 'content-type': fixture.contentType } : {};
  const base = { path: fixture.path, requestHeaders: { 'x-request-id': requestId, 'x-api-key': 'sk-secret' }, responseHeaders };
  switch (shape) {
    case 'whole_bodies':
      return { request, response, script: { ...base, requestChunks: [request], responseChunks: [response] } };
    case 'sse_chunks':
      // Codec reads, not event boundaries: 61-byte chunks split events and lines anywhere.
      return { request, response, script: { ...base, requestChunks: chunks(request, 97), responseChunks: chunks(response, 61) } };
    case 'merged_and_empty': {
      // The request coalesced into one message (§4.1); the response with empty chunks inside and an empty final one.
      const cuts = [0, 1, 1, Math.floor(response.length / 2), Math.floor(response.length / 2), response.length - 1];
      return { request, response, script: { ...base, requestChunks: [request], responseChunks: splitAt(response, cuts), ending: 'empty_final_chunk' } };
    }
    case 'trailers':
      return { request, response, script: { ...base, requestChunks: chunks(request, 256), responseChunks: chunks(response, 512), ending: 'trailers' } };
  }
}

function decoded(turn: ReceivedTurn | undefined): { request: Buffer; response: Buffer } {
  if (!turn) throw new Error('turn did not reach ingest');
  return { request: Buffer.from(turn.request_body_base64, 'base64'), response: Buffer.from(turn.response_body_base64, 'base64') };
}

describe('the sidecar under Envoy message sequences', () => {
  let ingest: FakeIngest;
  let sidecar: RunningSidecar;
  let spool: Awaited<ReturnType<typeof tempSpoolDir>>;

  beforeAll(async () => {
    ingest = await FakeIngest.start();
    spool = await tempSpoolDir();
    sidecar = await startSidecar({ INGEST_URL: ingest.url, TAPES_DATA_DIR: spool.dataDir });
  });

  afterAll(async () => {
    await sidecar.close();
    await ingest.close();
    await spool.remove();
  });

  describe.each(MODES)('in $name', ({ name: modeName, options }) => {
    it.each(TURN_FIXTURES.map((f) => ({ ...f, label: f.name })))('$label: every shape reaches ingest byte for byte', async (fixture) => {
      for (const shape of SHAPES) {
        const requestId = `${modeName}/${fixture.name}/${shape}`;
        const { script, request, response } = scriptFor(fixture, shape, requestId);
        const messages = envoySequence(script, options);
        const result = await sidecar.envoy.play(messages);
        // Normal mode: one reply per message, of the matching case, in order (checked per message
        // by the client as it goes). Observability mode: none at all.
        expect(result.replies).toEqual(options.observabilityMode ? [] : messages.map((m) => m.request));
        await sidecar.settled();
        const turn = ingest.stored.get(requestId);
        const bodies = decoded(turn);
        expect(bodies.request.equals(request)).toBe(true);
        expect(bodies.response.equals(response)).toBe(true);
        expect(turn).toMatchObject({ provider: fixture.provider, path: fixture.path, capture_site: 'sidecar', status: 200 });
        // Some backends send no Content-Type at all (the ChatGPT Codex backend): none is invented.
        expect(turn?.response_content_type).toBe(fixture.contentType || undefined);
        expect(turn?.interrupted).toBeUndefined();
        expect(turn?.request_headers['x-api-key']).toMatch(REDACTION_MARKER);
      }
    });
  });

  it.each(MODES)('hands over a stream cancelled mid-response with the bytes so far, marked interrupted ($name)', async ({ options }) => {
    const fixture = TURN_FIXTURES.find((f) => f.name === 'anthropic/messages_stream');
    if (!fixture) throw new Error('fixture missing');
    const requestId = `cancel-${String(options.observabilityMode)}`;
    const { script, request, response } = scriptFor(fixture, 'sse_chunks', requestId);
    const messages = envoySequence(script, options);
    const cutAfter = messages.length - 3;
    const stream = sidecar.envoy.open();
    const received = await sidecar.metric('tapes_extproc_messages_total');
    for (const message of messages.slice(0, cutAfter)) await stream.send(message);
    // Envoy resets a stream only after the messages it sent have gone out (in observability mode
    // it even defers the close, §3.3); wait until the sidecar has read them, as it would have.
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_messages_total')) === received + cutAfter, 'messages read');
    await stream.finish('cancel');
    await ingest.until(() => ingest.stored.has(requestId));
    const turn = ingest.stored.get(requestId);
    const bodies = decoded(turn);
    const sent = Buffer.concat(messages.slice(0, cutAfter).flatMap((m) => (m.response_body ? [m.response_body.body] : [])));
    expect(bodies.request.equals(request)).toBe(true);
    expect(bodies.response.equals(sent)).toBe(true);
    expect(bodies.response.length).toBeLessThan(response.length);
    expect(turn?.interrupted).toEqual({ reason: 'client_disconnect', detail: expect.stringMatching(/before the response's end of stream, after \d+ body bytes/) });
    await sidecar.settled(); // ingest's answer reached the sidecar: nothing of this turn is left for the next test
  });

  it('answers every message at once in normal mode, while ingest has not answered yet', async () => {
    ingest.mode = 'hold';
    try {
      const fixture = TURN_FIXTURES.find((f) => f.name === 'anthropic/messages_stream');
      if (!fixture) throw new Error('fixture missing');
      const { script } = scriptFor(fixture, 'sse_chunks', 'held-ingest');
      const messages = envoySequence(script, { observabilityMode: false });
      const result = await sidecar.envoy.play(messages);
      expect(result.replies).toEqual(messages.map((m) => m.request));
      await ingest.until(() => ingest.posts.some((p) => p.request_id === 'held-ingest'));
      expect(ingest.stored.has('held-ingest')).toBe(false);
      // Journaled and being posted, not yet acknowledged.
      await sidecar.until(() => sidecar.journal().depth === 1 && sidecar.journal().inFlight === 1, 'the held turn alone in the journal and in flight');
      expect(sidecar.delivery.settled).toBe(false);
    } finally {
      ingest.mode = 'accept';
      ingest.release();
    }
    await sidecar.settled();
    expect(ingest.stored.has('held-ingest')).toBe(true);
    expect(sidecar.journal().depth).toBe(0);
  });

  it.each([
    { name: 'a GET', script: { method: 'GET', path: '/v1/models', requestChunks: [], responseChunks: [Buffer.from('{"data":[]}')] }, reason: 'non_turn_request' },
    { name: 'count_tokens', script: { path: '/v1/messages/count_tokens', requestChunks: [Buffer.from('{}')], responseChunks: [Buffer.from('{"input_tokens":3}')] }, reason: 'non_turn_request' },
    { name: 'a 529', script: { path: '/v1/messages', requestChunks: [Buffer.from('{}')], status: 529, responseChunks: [Buffer.from('{"type":"error"}')] }, reason: 'upstream_status' },
  ])('observes $name, answers it, and counts it as not recorded without journaling or posting', async ({ name, script, reason }) => {
    const requestId = `not-recorded-${name}`;
    const before = await sidecar.metric('tapes_extproc_turns_dropped_total', { reason });
    const capturedBefore = await sidecar.metric('tapes_extproc_turns_captured_total');
    const messages = envoySequence({ ...script, requestHeaders: { 'x-request-id': requestId } } as ExchangeScript, { observabilityMode: false });
    const result = await sidecar.envoy.play(messages);
    expect(result.replies).toEqual(messages.map((m) => m.request));
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total', { reason })).toBe(before + 1);
    await sidecar.settled();
    expect(await sidecar.metric('tapes_extproc_turns_captured_total')).toBe(capturedBefore); // nothing journaled
    expect(ingest.posts.some((p) => p.request_id === requestId)).toBe(false);
  });

  it('keeps answering messages that arrive after the exchange was decided', async () => {
    const messages = envoySequence({ path: '/v1/messages', status: 500, requestChunks: [Buffer.from('{}')], responseChunks: [Buffer.from('a'), Buffer.from('b')] });
    const result = await sidecar.envoy.play([...messages, responseBody('late', true)]);
    expect(result.replies).toHaveLength(messages.length + 1);
  });
});
