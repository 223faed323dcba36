import { gzipSync } from 'node:zlib';
import { capturedTurn, createDefaultReducers, toTurnRecord, type ChunkMark } from '@tapes/capture';
import type { ExportTurn } from '@tapes/export';
import { ANTHROPIC_FIXTURES, exportTurnFromRecord, OPENAI_FIXTURES, readFixture, send, type TurnFixture } from '@tapes/testing';
import { REPLAY_HEADER, ReplayServer, type ReplayEvent, type ReplayTiming } from '../src';

const reducers = createDefaultReducers();
const claudeCode = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn')!;
const oneShot = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_oneshot')!;
const codex = OPENAI_FIXTURES.find((f) => f.api === 'openai.responses' && (f.request as Record<string, unknown>)['prompt_cache_key'] !== undefined)!;

interface Plan {
  fixture: TurnFixture;
  id: string;
  request?: Record<string, unknown>;
  chunks?: ChunkMark[];
  gzip?: boolean;
  responseBody?: Buffer;
}

async function turn(plan: Plan): Promise<ExportTurn> {
  const plain = plan.responseBody ?? readFixture(plan.fixture.responseFile);
  const body = plan.gzip ? gzipSync(plain) : plain;
  const captured = capturedTurn({
    requestId: `req-${plan.id}`,
    site: 'proxy',
    provider: plan.fixture.provider,
    api: plan.fixture.api,
    method: 'POST',
    path: plan.fixture.path,
    status: 200,
    requestHeaders: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-SECRETSECRET' },
    responseHeaders: { 'content-type': plan.fixture.contentType, 'request-id': `req_up_${plan.id}`, 'set-cookie': ['__cf_bm=abcdefghijklmnop; path=/'], ...(plan.gzip ? { 'content-encoding': 'gzip' } : {}), ...(plan.fixture.streamed ? {} : { 'content-length': String(body.byteLength) }) },
    requestBody: Buffer.from(JSON.stringify(plan.request ?? plan.fixture.request)),
    responseBody: body,
    startedAt: new Date('2026-11-30T10:00:00.000Z'),
    firstByteAt: new Date('2026-11-30T10:00:00.250Z'),
    endedAt: new Date('2026-11-30T10:00:02.000Z'),
    ...(plan.chunks ? { responseChunks: plan.chunks } : {}),
  });
  return exportTurnFromRecord((await toTurnRecord(captured, { reducers })).record, `turn-${plan.id}`);
}

function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return send(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('tapes replay: a captured session as a mock upstream (#16)', () => {
  const servers: ReplayServer[] = [];
  const events: ReplayEvent[] = [];
  async function serve(turns: ExportTurn[], timing: ReplayTiming = 'fast'): Promise<ReplayServer> {
    const server = await ReplayServer.start({ turns, reducers, timing, onEvent: (e) => events.push(e) });
    servers.push(server);
    return server;
  }
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  const ccBody = readFixture(claudeCode.responseFile);
  const ccChunks: ChunkMark[] = [
    [0, 200],
    [Math.floor(ccBody.length / 3), 260],
    // A 2 s pause before the last third: what a client sees of it is the pause less however late
    // the chunk before it arrived (on a loaded CI machine, hundreds of ms).
    [Math.floor((2 * ccBody.length) / 3), 2_260],
  ];

  it('serves a matching request the captured status, headers and bytes, chunk for chunk', async () => {
    const server = await serve([await turn({ fixture: claudeCode, id: 'cc', chunks: ccChunks })]);
    const res = await post(server.url, '/v1/messages?beta=true', claudeCode.request, { 'x-api-key': 'another-key', 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    expect(res.body.equals(ccBody)).toBe(true);
    expect(res.headers['content-type']).toBe(claudeCode.contentType);
    expect(res.headers['request-id']).toBe('req_up_cc');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers[REPLAY_HEADER]).toBe('turn=turn-cc; match=exact');
    // The redacted cookie means nothing to a client: it is left out.
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ outcome: 'served', turnId: 'turn-cc', how: 'exact', chunks: 3, timed: true });
  });

  it('ignores the volatile fields: Claude Code’s metadata.user_id and moved cache_control breakpoints', async () => {
    const server = await serve([await turn({ fixture: claudeCode, id: 'cc2', chunks: ccChunks })]);
    const request = structuredClone(claudeCode.request) as { metadata: { user_id: string }; system: Record<string, unknown>[]; messages: { content: Record<string, unknown>[] }[] };
    request.metadata.user_id = 'user_OTHER_account__session_OTHER';
    delete request.system[0]!['cache_control'];
    delete request.messages[2]!.content[0]!['cache_control'];
    request.messages[0]!.content[0]!['cache_control'] = { type: 'ephemeral' };
    const res = await post(server.url, '/v1/messages', request);
    expect(res.status).toBe(200);
    expect(res.headers[REPLAY_HEADER]).toBe('turn=turn-cc2; match=exact');
  });

  it('ignores Codex’s prompt_cache_key (its conversation id, new every run)', async () => {
    const server = await serve([await turn({ fixture: codex, id: 'codex' })]);
    const res = await post(server.url, '/v1/responses', { ...codex.request, prompt_cache_key: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(200);
    expect(res.body.equals(readFixture(codex.responseFile))).toBe(true);
  });

  it('falls back to the conversation when only the system prompt changed (a date, a git status)', async () => {
    const server = await serve([await turn({ fixture: claudeCode, id: 'cc3' })]);
    const request = structuredClone(claudeCode.request) as { system: { text: string }[] };
    request.system[1]!.text += '\nToday is 2027-01-01.';
    const res = await post(server.url, '/v1/messages', request);
    expect(res.status).toBe(200);
    expect(res.headers[REPLAY_HEADER]).toBe('turn=turn-cc3; match=conversation');
  });

  it('answers an unmatched request 404 naming the closest captured turn and what differed', async () => {
    const server = await serve([await turn({ fixture: oneShot, id: 'hello' }), await turn({ fixture: claudeCode, id: 'cc4' })]);
    const request = structuredClone(claudeCode.request) as { messages: { content: { text: string }[] }[]; max_tokens: number };
    request.messages[0]!.content[0]!.text = 'The server test fails with a 504 from the upstream. Can you find out why?';
    const res = await post(server.url, '/v1/messages', request);
    expect(res.status).toBe(404);
    const body = JSON.parse(res.body.toString()) as { error: { code: string; message: string }; closest: { turn_id: string; request_id: string; difference_count: number; differences: { path: string; captured?: string; received?: string }[] } };
    expect(body.error.code).toBe('no_matching_turn');
    expect(body.error.message).toMatch(/closest is turn turn-cc4 \(request req-cc4, 2026-11-30T10:00:00.000Z\), 1 difference: messages\[0\]\.content\[0\]\.text/);
    expect(body.closest).toMatchObject({ turn_id: 'turn-cc4', request_id: 'req-cc4', difference_count: 1 });
    expect(body.closest.differences).toEqual([{ path: 'messages[0].content[0].text', captured: expect.stringContaining('502'), received: expect.stringContaining('504') }]);
    expect(events.at(-1)).toMatchObject({ outcome: 'miss' });
  });

  it('serves turns with the same request in the order they were captured, then the last one again', async () => {
    const other = Buffer.from(readFixture(oneShot.responseFile).toString().replace(/Hello/g, 'Howdy'));
    const server = await serve([await turn({ fixture: oneShot, id: 'first' }), await turn({ fixture: oneShot, id: 'retry', responseBody: other })]);
    const served = [];
    for (let i = 0; i < 3; i++) served.push((await post(server.url, '/v1/messages', oneShot.request)).headers[REPLAY_HEADER]);
    expect(served).toEqual(['turn=turn-first; match=exact', 'turn=turn-retry; match=exact', 'turn=turn-retry; match=exact']);
  });

  it('keeps a content-encoded response encoded, with its encoding and its length', async () => {
    const server = await serve([await turn({ fixture: oneShot, id: 'gz', gzip: true })]);
    const res = await post(server.url, '/v1/messages', oneShot.request);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.equals(gzipSync(readFixture(oneShot.responseFile)))).toBe(true);
    expect(res.headers['content-length']).toBe(String(res.body.byteLength));
  });

  it('answers HEAD 200 (Claude Code probes its base URL) and anything that is no turn 404', async () => {
    const server = await serve([await turn({ fixture: oneShot, id: 'probe' })]);
    expect((await send(`${server.url}/`, { method: 'HEAD' })).status).toBe(200);
    const models = await send(`${server.url}/v1/models`);
    expect(models.status).toBe(404);
    expect(JSON.parse(models.body.toString())).toMatchObject({ error: { code: 'not_a_turn' } });
  });

  it('with --timing recorded, sends each chunk at its recorded moment: a long pause stays long', async () => {
    const server = await serve([await turn({ fixture: claudeCode, id: 'timed', chunks: ccChunks })], 'recorded');
    const started = performance.now();
    const res = await post(server.url, '/v1/messages', claudeCode.request);
    expect(res.body.equals(ccBody)).toBe(true);
    // Bytes arrive in order; the recorded 2 s pause before the last third shows as at least half of
    // it, and nothing arrives before the first chunk's 200 ms (loose bounds: the machine is loaded).
    const firstAt = res.chunks[0]!.at - started;
    expect(firstAt).toBeGreaterThanOrEqual(190);
    const lastThird = Math.floor((2 * ccBody.length) / 3);
    let offset = 0;
    let before = 0;
    let after = 0;
    for (const chunk of res.chunks) {
      if (offset < lastThird) before = chunk.at;
      else if (!after) after = chunk.at;
      offset += chunk.bytes.byteLength;
    }
    expect(after - before).toBeGreaterThanOrEqual(1_000);
  });

  it('with --timing fast, sends everything at once', async () => {
    // Recorded over 20 minutes: served at all within the test's timeout only because nothing waits.
    const server = await serve([await turn({ fixture: claudeCode, id: 'fast', chunks: [[0, 600_000], [10, 1_200_000]] })], 'fast');
    const started = performance.now();
    const res = await post(server.url, '/v1/messages', claudeCode.request);
    expect(res.body.equals(ccBody)).toBe(true);
    expect(res.chunks.at(-1)!.at - started).toBeLessThan(600_000);
  });

  it('replays a turn captured before chunk timing as one chunk, at its recorded first byte', async () => {
    const old = await turn({ fixture: claudeCode, id: 'old' });
    expect(old.response_chunks).toBeNull();
    const server = await serve([old], 'recorded');
    const started = performance.now();
    const res = await post(server.url, '/v1/messages', claudeCode.request);
    expect(res.body.equals(ccBody)).toBe(true);
    expect(res.chunks[0]!.at - started).toBeGreaterThanOrEqual(240);
    expect(events.at(-1)).toMatchObject({ outcome: 'served', chunks: 1, timed: false });
  });

  it('skips a turn read without its bytes, and says so', async () => {
    const bare = { ...(await turn({ fixture: oneShot, id: 'bare' })), raw: undefined };
    const server = await serve([bare]);
    expect(server.index.skipped).toEqual([{ turnId: 'turn-bare', reason: expect.stringContaining('bytes') }]);
    const res = await post(server.url, '/v1/messages', oneShot.request);
    expect(res.status).toBe(404);
  });
});
