import { gzipSync } from 'node:zlib';
import { ANTHROPIC_FIXTURES, OPENAI_FIXTURES, readFixture, TURN_FIXTURES, type TurnFixture } from '@tapes/testing';
import { createDefaultReducers, sessionIdOf, deriveTurn, parseRequestBody, reduceBody, selectReducer, toTurnRecord, type CapturedTurn } from '../src/index';
import { fixtureTurn } from '../src/testing';

const reducers = createDefaultReducers();
const AT = new Date('2026-11-30T10:00:00.000Z');

function captured(fixture: TurnFixture, overrides: Parameters<typeof fixtureTurn>[1] = {}): CapturedTurn {
  return fixtureTurn(fixture, { startedAt: AT, endedAt: AT, ...overrides });
}

/** What the reducers make of the fixture offline: the truth every site must store. */
function offline(fixture: TurnFixture) {
  const reducer = selectReducer(reducers, { path: fixture.path })!;
  const response = reduceBody(reducer, readFixture(fixture.responseFile), { contentType: fixture.contentType });
  return deriveTurn({ reducer, request: { parsed: parseRequestBody(reducer, JSON.stringify(fixture.request), { path: fixture.path }) }, response, path: fixture.path });
}

describe('toTurnRecord: the one pipeline from a captured exchange to its stored record (#11)', () => {
  it.each(TURN_FIXTURES.map((f) => [f.name, f] as const))('%s stores the offline reduction, plain and gzip', async (_name, fixture) => {
    const truth = offline(fixture);
    const plain = (await toTurnRecord(captured(fixture), { reducers })).record;
    const gzip = (await toTurnRecord(captured(fixture, { responseBody: gzipSync(readFixture(fixture.responseFile)), responseHeaders: { ...(fixture.contentType ? { 'content-type': fixture.contentType } : {}), 'content-encoding': 'gzip' } }), { reducers })).record;
    for (const record of [plain, gzip]) {
      expect(record.outcome).toBe(truth.outcome);
      expect(record.nodes.map((n) => n.hash)).toEqual(truth.nodes.map((n) => n.hash));
      expect(record.diagnostics?.map((d) => d.code)).toEqual(truth.diagnostics.map((d) => d.code));
    }
    expect(gzip.responseContentEncoding).toBe('gzip');
    expect(Buffer.from(gzip.responseBody!).equals(readFixture(fixture.responseFile))).toBe(false); // stored as captured, still encoded
  });

  it('keeps the chunk timeline that describes the response body (#16), and none when the site recorded none', async () => {
    const fixture = ANTHROPIC_FIXTURES.find((f) => f.streamed && f.complete)!;
    const length = readFixture(fixture.responseFile).byteLength;
    const timed = (await toTurnRecord(captured(fixture, { responseChunks: [[0, 300], [100, 340], [length, 900]] }), { reducers })).record;
    expect(timed.responseChunks).toEqual([[0, 300], [100, 340]]); // a mark past the body describes nothing
    expect((await toTurnRecord(captured(fixture), { reducers })).record).not.toHaveProperty('responseChunks');
  });

  it('decodes a zstd-compressed request body for capture (#12: Codex and pi send them)', async () => {
    const fixture = OPENAI_FIXTURES.find((f) => f.api === 'openai.responses' && f.complete)!;
    const { compress } = await import('@bokuweb/zstd-wasm').then(async (z) => (await z.init(), z));
    const body = Buffer.from(compress(Buffer.from(JSON.stringify(fixture.request)), 3));
    const record = (await toTurnRecord(captured(fixture, { requestBody: body, requestHeaders: { 'content-type': 'application/json', 'content-encoding': 'zstd' } }), { reducers })).record;
    expect(record.outcome).toBe('complete');
    expect(record.nodes.map((n) => n.hash)).toEqual(offline(fixture).nodes.map((n) => n.hash));
    expect(Buffer.from(record.requestBody!).equals(body)).toBe(true);
  });

  it('keeps a request body it cannot decode as an unreduced turn with a request-side decode_error', async () => {
    const fixture = ANTHROPIC_FIXTURES[0]!;
    const record = (await toTurnRecord(captured(fixture, { requestHeaders: { 'content-encoding': 'gzip' } }), { reducers })).record;
    expect(record.outcome).toBe('unreduced');
    expect(record.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'decode_error', data: expect.objectContaining({ side: 'request' }) })]));
  });

  it('gives a response it cannot decode one decode_error shape, whatever the site', async () => {
    const fixture = ANTHROPIC_FIXTURES[0]!;
    const record = (await toTurnRecord(captured(fixture, { responseHeaders: { 'content-encoding': 'gzip' } }), { reducers })).record;
    expect(record.outcome).toBe('unreduced');
    expect(record.diagnostics).toEqual([{ code: 'decode_error', detail: expect.stringContaining('response content-encoding "gzip": undecodable'), data: { side: 'response', outcome: 'error', errorClass: 'undecodable' } }]);
  });

  it('calls a stream that reached its terminal event complete although the client left before the upstream closed (#12, Codex)', async () => {
    const fixture = OPENAI_FIXTURES.find((f) => f.name === 'openai_responses/stream')!;
    const record = (await toTurnRecord(captured(fixture, { interruption: { reason: 'client_disconnect', detail: 'the client closed the connection before the response ended' } }), { reducers })).record;
    expect(record.outcome).toBe('complete');
    expect(record.diagnostics).toEqual([]);
  });

  it('still marks a stream cut before its terminal event as interrupted', async () => {
    const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
    const whole = readFixture(fixture.responseFile);
    const record = (await toTurnRecord(captured(fixture, { responseBody: whole.subarray(0, whole.length / 2), interruption: { reason: 'client_disconnect', detail: 'gone' } }), { reducers })).record;
    expect(record.outcome).toBe('partial');
    expect(record.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'interrupted', data: { reason: 'client_disconnect' } })]));
  });

  it('redacts header and query credentials before anything sees the turn', async () => {
    const fixture = ANTHROPIC_FIXTURES[0]!;
    const turn = captured(fixture, { path: '/v1/messages?beta=true&key=sk-secret', requestHeaders: { 'x-api-key': 'sk-ant-secret', authorization: 'Bearer x' } });
    expect(turn.path).toBe('/v1/messages?beta=true&key=%5Bredacted%3A9%5D');
    const record = (await toTurnRecord(turn, { reducers })).record;
    expect(JSON.stringify(record.requestHeaders)).not.toMatch(/sk-ant-secret|Bearer x/);
  });

  it('stores a turn whose API no reducer serves as unreduced, raw bytes kept', async () => {
    const fixture = ANTHROPIC_FIXTURES[0]!;
    const record = (await toTurnRecord(captured(fixture, { api: 'acme.chat' }), { reducers })).record;
    expect(record).toMatchObject({ outcome: 'unreduced', nodes: [], diagnostics: [{ code: 'reducer_error', detail: 'no reducer for acme.chat' }] });
    expect(record.responseBody!.byteLength).toBeGreaterThan(0);
  });

  describe('session, model, usage, cost and search text (#14)', () => {
    const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_tool_use')!;
    const claudeCode = { 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': '0d6f1c2e-1111-4a5b-9c8d-123456789abc' };

    it('names the Claude Code session from its own headers, and prices the turn', async () => {
      const claudeCodeTurn = TURN_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn')!;
      const record = (await toTurnRecord(captured(claudeCodeTurn, { requestHeaders: { 'content-type': 'application/json', ...claudeCode } }), { reducers })).record;
      expect(record.session).toEqual({ id: '0d6f1c2e-1111-4a5b-9c8d-123456789abc', threadId: '', harnessId: 'claude', harnessVersion: '2.0.31' });
      expect(record.model).toMatch(/^claude-/);
      expect(record.usage?.completion_tokens).toBeGreaterThan(0);
      expect(record.cost).toEqual({ usd: expect.any(Number), priceVersion: expect.any(String) });
      expect(record.cost!.usd).toBeGreaterThan(0);
      expect(record.nodeText).toHaveLength(record.nodes.length);
      const toolCall = record.nodes.at(-1)!.bucket.content.find((b) => b.type === 'tool_use')!;
      expect(record.nodeText!.at(-1)).toContain(toolCall.tool_name);
    });

    it('lets the X-Tapes envelope name the session, and keeps cwd and name', async () => {
      const headers = { 'x-tapes-harness-id': 'claude', 'x-tapes-harness-session-id': 'env-session', 'x-tapes-cwd': '/home/a%20b', 'x-tapes-session-name': 'refactor' };
      const record = (await toTurnRecord(captured(fixture, { requestHeaders: headers }), { reducers })).record;
      expect(record.session).toMatchObject({ id: 'env-session', harnessId: 'claude', cwd: '/home/a b', name: 'refactor' });
      expect(record.diagnostics).toEqual([]);
    });

    it('sets a refused envelope aside with a diagnostic (never fails the turn); the agent\'s headers decide', async () => {
      const notAnObject = Buffer.from('[1,2]').toString('base64url');
      const headers = { ...claudeCode, 'x-tapes-harness-id': 'claude', 'x-tapes-harness-session-id': 'env-session', 'x-tapes-harness-metadata': notAnObject };
      const record = (await toTurnRecord(captured(fixture, { requestHeaders: headers }), { reducers })).record;
      expect(record.outcome).toBe('complete');
      expect(record.session?.id).toBe('0d6f1c2e-1111-4a5b-9c8d-123456789abc');
      expect(record.diagnostics).toEqual([expect.objectContaining({ code: 'envelope_error', data: { field: 'harness_metadata', rule: 'must decode to a JSON object' } })]);
    });

    it('leaves the session id to the conversation root when nothing names one; unknown models get no cost', async () => {
      const record = (await toTurnRecord(captured(fixture, { requestBody: Buffer.from(JSON.stringify({ ...(fixture.request as object), model: 'acme-1' })) }), { reducers })).record;
      expect(record.session).toEqual({ threadId: '', harnessId: 'unknown' });
      expect(sessionIdOf(record)).toBe(`root:${record.nodes[0]!.hash}`);
      expect(record.cost).toBeUndefined();
    });
  });
});
