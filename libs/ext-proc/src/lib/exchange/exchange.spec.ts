import { createDefaultReducers, toIngestEnvelope, type CapturedTurn } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import fc from 'fast-check';
import { REDACTION_MARKER, splitAt } from '@tapes/testing';
import { envoySequence, requestBody, requestHeaders, requestTrailers, responseBody, responseHeaders, responseTrailers, type ExchangeScript } from '@tapes/testing/envoy';
import type { ProcessingRequest } from '../wire/processing-messages';
import { Exchange, payloadBytes, type ExchangeOptions } from './exchange';
import type { ExchangeEnd } from './exchange-end';

const REQUEST = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
const RESPONSE = Buffer.from('event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');

let clock = 0;
function options(overrides: Partial<ExchangeOptions> = {}): ExchangeOptions {
  clock = Date.parse('2026-01-01T00:00:00Z');
  return { reducers: createDefaultReducers(), budget: new ByteBudget(1 << 20), maxBodyBytes: 1 << 16, now: () => new Date((clock += 1000)), newRequestId: () => 'generated-id', ...overrides };
}

/** Feeds messages; returns every end reported (there must be at most one). */
function feed(exchange: Exchange, messages: ProcessingRequest[]): ExchangeEnd[] {
  return messages.map((m) => exchange.onMessage(m)).filter((e): e is ExchangeEnd => e !== undefined);
}

function capturedEnd(ends: ExchangeEnd[]): Extract<ExchangeEnd, { outcome: 'captured' }> {
  expect(ends).toHaveLength(1);
  const [end] = ends;
  if (end?.outcome !== 'captured') throw new Error(`expected a captured turn, got ${JSON.stringify(end)}`);
  return end;
}

function capturedTurn(ends: ExchangeEnd[]): CapturedTurn {
  return capturedEnd(ends).turn;
}

const script = (overrides: Partial<ExchangeScript> = {}): ExchangeScript => ({
  path: '/v1/messages',
  requestHeaders: { 'x-request-id': 'req-1', 'x-api-key': 'sk-ant-secret', 'anthropic-version': '2023-06-01' },
  requestChunks: [REQUEST],
  responseHeaders: { 'content-type': 'text/event-stream; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] },
  responseChunks: [RESPONSE],
  ...overrides,
});

describe('Exchange', () => {
  it('captures a streamed turn with exactly the bytes, status, content type and timings Envoy delivered', () => {
    const exchange = new Exchange(options());
    const turn = capturedTurn(feed(exchange, envoySequence(script())));
    expect(Buffer.from(turn.requestBody).equals(REQUEST)).toBe(true);
    expect(Buffer.from(turn.responseBody).equals(RESPONSE)).toBe(true);
    expect(turn).toMatchObject({ requestId: 'req-1', provider: 'anthropic', path: '/v1/messages', status: 200, responseContentType: 'text/event-stream; charset=utf-8' });
    expect(turn.interruption).toBeUndefined();
    expect(turn.startedAt.getTime()).toBeLessThan(turn.firstByteAt?.getTime() ?? 0);
    expect(turn.firstByteAt?.getTime()).toBeLessThan(turn.endedAt.getTime());
  });

  it('records where each response chunk began and when it arrived, for replay (#16)', () => {
    const exchange = new Exchange(options());
    const first = RESPONSE.subarray(0, 30);
    const turn = capturedTurn(feed(exchange, envoySequence(script({ responseChunks: [first, Buffer.alloc(0), RESPONSE.subarray(30)] }))));
    // The clock advances 1 s per reading; the request headers started the exchange.
    const marks = turn.responseChunks ?? [];
    expect(marks.map(([offset]) => offset)).toEqual([0, 30]);
    expect(marks[0]![1]).toBe(turn.firstByteAt!.getTime() - turn.startedAt.getTime());
    expect(marks[1]![1]).toBeGreaterThan(marks[0]![1]);
    expect(toIngestEnvelope(turn).response_chunks).toEqual(marks);
  });

  it('redacts credentials in both header sets and keeps multi-value headers separate', () => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ requestHeaders: { authorization: 'Bearer sk-x', 'x-request-id': 'r' } }))));
    expect(turn.requestHeaders['authorization']).toMatch(REDACTION_MARKER);
    expect(turn.requestHeaders[':path']).toBe('/v1/messages');
    expect(turn.responseHeaders['set-cookie']).toEqual([expect.stringMatching(REDACTION_MARKER), expect.stringMatching(REDACTION_MARKER)]);
    expect(JSON.stringify(turn.requestHeaders)).not.toContain('sk-');
  });

  it.each([
    { ending: 'eos_on_last_chunk' as const },
    { ending: 'empty_final_chunk' as const },
    { ending: 'trailers' as const },
  ])('completes the response on $ending', ({ ending }) => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ ending, responseChunks: [RESPONSE.subarray(0, 10), RESPONSE.subarray(10)] }))));
    expect(Buffer.from(turn.responseBody).equals(RESPONSE)).toBe(true);
    expect(turn.interruption).toBeUndefined();
  });

  it('keeps the bytes whatever the chunk boundaries, empty chunks included', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(REQUEST.length), { maxLength: 6 }), fc.array(fc.nat(RESPONSE.length), { maxLength: 12 }), (reqCuts, resCuts) => {
        const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ requestChunks: splitAt(REQUEST, reqCuts), responseChunks: splitAt(RESPONSE, resCuts) }))));
        expect(Buffer.from(turn.requestBody).equals(REQUEST)).toBe(true);
        expect(Buffer.from(turn.responseBody).equals(RESPONSE)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('completes a 200 whose headers say there is no body, with an empty body', () => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ responseChunks: [] }))));
    expect(turn.responseBody.length).toBe(0);
  });

  it('accepts request trailers as the end of the request', () => {
    const exchange = new Exchange(options());
    const ends = feed(exchange, [
      requestHeaders({ ':method': 'POST', ':path': '/v1/messages' }),
      requestBody(REQUEST, false),
      requestTrailers({ 'x-checksum': 'abc' }),
      responseHeaders({ ':status': '200' }),
      responseBody(RESPONSE, false),
      responseTrailers(),
    ]);
    expect(Buffer.from(capturedTurn(ends).requestBody).equals(REQUEST)).toBe(true);
  });

  it('reads header values from the legacy value field when raw_value is empty (Envoy < 1.32)', () => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script(), { legacyValues: true })));
    expect(turn.requestId).toBe('req-1');
    expect(turn.status).toBe(200);
  });

  it.each<{ name: string; path: string; headers: Record<string, string>; want: Record<string, string> }>([
    { name: 'agent header', path: '/v1/messages', headers: { 'x-tapes-agent-name': ' claude-code ' }, want: { agentName: 'claude-code', provider: 'anthropic', path: '/v1/messages' } },
    { name: 'agent prefix', path: '/agents/codex/v1/responses?x=1', headers: {}, want: { agentName: 'codex', provider: 'openai', api: 'openai.responses', path: '/v1/responses?x=1' } },
    { name: 'agent and provider prefix', path: '/agents/opencode/providers/ollama/api/chat', headers: {}, want: { agentName: 'opencode', provider: 'ollama', api: 'ollama.chat', path: '/api/chat' } },
    // The provider prefix picks among the reducers of that path; none of Ollama's reads Chat
    // Completions, so the turn is the OpenAI reducer's, as every capture site stores it.
    { name: 'provider prefix on an OpenAI-compatible path', path: '/agents/opencode/providers/ollama/v1/chat/completions', headers: {}, want: { agentName: 'opencode', provider: 'openai', api: 'openai.chat_completions', path: '/v1/chat/completions' } },
    { name: 'query string', path: '/v1/messages?beta=true', headers: {}, want: { provider: 'anthropic', path: '/v1/messages?beta=true' } },
  ])('resolves agent, provider and path from the $name', ({ path, headers, want }) => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ path, requestHeaders: headers }))));
    expect(turn).toMatchObject(want);
    if (!('agentName' in want)) expect(turn.agentName).toBeUndefined();
  });

  it.each<{ name: string; path: string; headers: Record<string, string>; want: string }>([
    { name: 'a control character in the header', path: '/v1/messages', headers: { 'x-tapes-agent-name': 'evil\u001b[2Jagent' }, want: 'evil\uFFFD[2Jagent' },
    { name: 'a 15,000-character name in the path', path: `/agents/${'a'.repeat(15_000)}/v1/messages`, headers: {}, want: 'a'.repeat(256) },
  ])('keeps the turn of an agent with $name, under a sanitised name and the reason (#13)', ({ path, headers, want }) => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ path, requestHeaders: headers }))));
    expect(turn.agentName).toBe(want);
    expect(turn.agentNameIssue).toMatch(/agent name must/);
  });

  it('keeps the query on the path, as the upstream saw it, with credential values redacted', () => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ path: '/v1/messages?beta=true&key=sk-secret' }))));
    expect(turn.path).toMatch(/^\/v1\/messages\?beta=true&key=./);
    expect(turn.path).not.toContain('sk-secret');
  });

  it('generates a request id when x-request-id is too long to be ingest\'s idempotency key', () => {
    const turn = capturedTurn(feed(new Exchange(options()), envoySequence(script({ requestHeaders: { 'x-request-id': 'r'.repeat(257) } }))));
    expect(turn.requestId).toBe('generated-id');
  });

  it('generates one request id for an exchange without x-request-id', () => {
    let n = 0;
    const turn = capturedTurn(feed(new Exchange(options({ newRequestId: () => `gen-${++n}` })), envoySequence(script({ requestHeaders: {} }))));
    expect(turn.requestId).toBe('gen-1');
    expect(n).toBe(1);
  });

  it.each([
    { name: 'a GET', script: script({ method: 'GET', requestChunks: [] }), want: { outcome: 'not_recorded', reason: 'non_turn_request' } },
    { name: 'a POST to an unknown path', script: script({ path: '/v1/embeddings' }), want: { outcome: 'not_recorded', reason: 'non_turn_request' } },
    { name: 'count_tokens', script: script({ path: '/v1/messages/count_tokens' }), want: { outcome: 'not_recorded', reason: 'non_turn_request' } },
    { name: 'a 429', script: script({ status: 429 }), want: { outcome: 'not_recorded', reason: 'upstream_status', provider: 'anthropic' } },
    { name: 'a 500', script: script({ status: 500 }), want: { outcome: 'not_recorded', reason: 'upstream_status', provider: 'anthropic' } },
  ])('does not record $name, and ends at once', ({ script: s, want }) => {
    const budget = new ByteBudget(1 << 20);
    const ends = feed(new Exchange(options({ budget })), envoySequence(s));
    expect(ends).toEqual([expect.objectContaining({ ...want, requestId: 'req-1' })]);
    expect(budget.inUse).toBe(0);
  });

  it('does not record a response without :status', () => {
    const ends = feed(new Exchange(options()), [requestHeaders({ ':method': 'POST', ':path': '/v1/messages' }), requestBody(REQUEST, true), responseHeaders({ 'content-type': 'x' }), responseBody(RESPONSE, true)]);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'not_recorded', reason: 'missing_status' })]);
  });

  describe('when the stream closes first', () => {
    const messagesUntil = (count: number) => envoySequence(script({ responseChunks: [RESPONSE.subarray(0, 20), RESPONSE.subarray(20)] })).slice(0, count);

    it.each([
      { how: 'cancelled' as const, detail: /cancelled/ },
      { how: 'end' as const, detail: /Envoy closed/ },
      { how: 'error' as const, detail: /failed \(boom\)/ },
    ])('still hands over a 200 that had begun, marked interrupted ($how)', ({ how, detail }) => {
      const exchange = new Exchange(options());
      expect(feed(exchange, messagesUntil(4))).toEqual([]);
      const end = exchange.onStreamClosed(how, 'boom');
      const turn = capturedTurn(end ? [end] : []);
      expect(Buffer.from(turn.responseBody).equals(RESPONSE.subarray(0, 20))).toBe(true);
      expect(turn.interruption).toEqual({ reason: 'client_disconnect', detail: expect.stringMatching(detail) });
    });

    it('hands over a 200 with no body bytes yet, marked interrupted (ingest records what it is)', () => {
      const exchange = new Exchange(options());
      feed(exchange, messagesUntil(3));
      const end = exchange.onStreamClosed('cancelled');
      expect(capturedTurn(end ? [end] : []).responseBody.length).toBe(0);
    });

    it.each([
      { name: 'before any message', count: 0, want: { outcome: 'empty' } },
      { name: 'mid-request', count: 2, want: { outcome: 'dropped', reason: 'request_incomplete' } },
      { name: 'before the response', count: 3, want: { outcome: 'dropped', reason: 'upstream_no_response' } },
    ])('$name → $want.outcome', ({ count, want }) => {
      const budget = new ByteBudget(1 << 20);
      const exchange = new Exchange(options({ budget }));
      feed(exchange, envoySequence(script({ requestChunks: [REQUEST.subarray(0, 10), REQUEST.subarray(10)] })).slice(0, count));
      expect(exchange.onStreamClosed('cancelled')).toEqual(expect.objectContaining(want));
      expect(budget.inUse).toBe(0);
    });

    it('reports nothing more for an exchange that had already ended', () => {
      const exchange = new Exchange(options());
      capturedTurn(feed(exchange, envoySequence(script())));
      expect(exchange.onStreamClosed('cancelled')).toBeUndefined();
      expect(exchange.onMessage(responseBody('late', true))).toBeUndefined();
    });
  });

  it('drops a 200 that ended before its request was whole', () => {
    const ends = feed(new Exchange(options()), [requestHeaders({ ':method': 'POST', ':path': '/v1/messages' }), requestBody(REQUEST, false), responseHeaders({ ':status': '200' }, true)]);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'dropped', reason: 'request_incomplete' })]);
  });

  describe('budgets', () => {
    it('reserves body bytes at their payload size and hands the reservation over with the captured turn', () => {
      const budget = new ByteBudget(1 << 20);
      const { heldBytes } = capturedEnd(feed(new Exchange(options({ budget })), envoySequence(script())));
      expect(heldBytes).toBeGreaterThan(payloadBytes(REQUEST.length) + payloadBytes(RESPONSE.length));
      expect(heldBytes).toBeLessThan(payloadBytes(REQUEST.length) + payloadBytes(RESPONSE.length) + 2048);
      expect(budget.inUse).toBe(heldBytes);
    });

    it.each([
      { name: 'a tiny turn', chunks: [Buffer.from('{}')] },
      { name: 'a 1 MiB stream in 16 KiB chunks', chunks: Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 0x61)) },
      { name: 'odd chunk sizes (base64 padding per chunk)', chunks: Array.from({ length: 50 }, (_, i) => Buffer.alloc(i + 1, 0x62)) },
    ])('reserves no less than the ingest envelope the turn is posted as: $name', ({ chunks }) => {
      const exchange = new Exchange(options({ budget: new ByteBudget(1 << 24), maxBodyBytes: 1 << 22 }));
      const { turn, heldBytes } = capturedEnd(feed(exchange, envoySequence(script({ responseChunks: chunks, requestHeaders: { 'x-request-id': 'req-1', 'x-api-key': 'k', 'x-tapes-agent-name': 'an-agent-with-a-name' } }))));
      expect(Buffer.byteLength(JSON.stringify(toIngestEnvelope(turn)))).toBeLessThanOrEqual(heldBytes);
    });

    it('drops the exchange as capture_budget when the shared budget refuses, frees everything and ignores the rest', () => {
      const needed = capturedEnd(feed(new Exchange(options()), envoySequence(script()))).heldBytes;
      const budget = new ByteBudget(needed - 1); // the last response chunk no longer fits
      const exchange = new Exchange(options({ budget }));
      const ends = feed(exchange, envoySequence(script()));
      expect(ends).toEqual([{ outcome: 'dropped', reason: 'capture_budget', requestId: 'req-1', provider: 'anthropic' }]);
      expect(budget.inUse).toBe(0);
      expect(exchange.onStreamClosed('end')).toBeUndefined();
    });

    it.each([
      { side: 'request', s: script({ requestChunks: [REQUEST, REQUEST] }), reason: 'request_over_budget' },
      { side: 'response', s: script({ responseChunks: [RESPONSE, RESPONSE] }), reason: 'response_over_budget' },
    ])('drops an exchange whose $side body passes the per-exchange limit', ({ s, reason }) => {
      const budget = new ByteBudget(1 << 20);
      const ends = feed(new Exchange(options({ budget, maxBodyBytes: Math.max(REQUEST.length, RESPONSE.length) + 1 })), envoySequence(s));
      expect(ends).toEqual([expect.objectContaining({ outcome: 'dropped', reason })]);
      expect(budget.inUse).toBe(0);
    });

    it('releases an abandoned exchange', () => {
      const budget = new ByteBudget(1 << 20);
      const exchange = new Exchange(options({ budget }));
      feed(exchange, envoySequence(script()).slice(0, 3));
      expect(budget.inUse).toBeGreaterThan(0);
      expect(exchange.abandon()).toEqual(expect.objectContaining({ outcome: 'dropped', reason: 'capture_error' }));
      expect(budget.inUse).toBe(0);
    });
  });
});
