import { gzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jsonlLineSchema, otlpIds, type Har } from '@tapes/export';
import type { TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, parseOtlpJson, readFixture } from '@tapes/testing';
import { errorSchema, turnDetailSchema } from '../src/lib/api-schemas';
import { BACKENDS, CLAUDE, record, SESSION, startReadApi } from './support/read-api-harness';

/** #16: GET sessions/:id/export, and the chunk timing a turn detail now carries. */
const claudeCodeTurn = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn')!;
const toolUseTurn = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_tool_use')!;
const CHUNKS: [number, number][] = [
  [0, 310],
  [120, 350],
  [400, 1_900],
];

describe.each(BACKENDS)('session export over the read API (#16) on $name', (backend) => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;

  const get = async (url: string) => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return { status: res.statusCode, headers: res.headers, text: res.body };
  };

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    const main = await record(claudeCodeTurn, 'req-main-1', CLAUDE, '2026-11-30T10:00:00.000Z');
    const sub = await record(toolUseTurn, 'req-sub-1', { ...CLAUDE, 'x-claude-code-agent-id': 'agent-7' }, '2026-11-30T10:01:00.000Z');
    const gzip = await record(claudeCodeTurn, 'req-gzip', CLAUDE, '2026-11-30T10:02:00.000Z', {
      responseBody: gzipSync(readFixture(claudeCodeTurn.responseFile)),
      responseHeaders: { 'content-encoding': 'gzip' },
    });
    for (const r of [{ ...main, responseChunks: CHUNKS }, sub, gzip]) await store.storeTurn(r);
    app = await startReadApi(store);
  });
  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  it('exports JSONL: one valid line per turn, oldest first, as a download', async () => {
    const res = await get(`/v1/sessions/${SESSION}/export?format=jsonl`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="tapes-${SESSION}.jsonl"`);
    const lines = res.text.trimEnd().split('\n').map((l) => jsonlLineSchema.parse(JSON.parse(l)));
    expect(lines.map((l) => [l.request_id, l.thread_id])).toEqual([
      ['req-main-1', ''],
      ['req-sub-1', 'agent-7'],
      ['req-gzip', ''],
    ]);
    expect(lines.every((l) => l.session_id === SESSION && l.raw === undefined)).toBe(true);
    // The gzip turn is the first one again on the wire (same request, same answer): nothing new on its line.
    expect(lines[2]!.nodes).toHaveLength(0);
    expect(lines[0]!.usage.total).toBeGreaterThan(0);
  });

  it('adds the raw exchange with bodies=true, chunk timing included', async () => {
    const res = await get(`/v1/sessions/${SESSION}/export?format=jsonl&bodies=true`);
    const lines = res.text.trimEnd().split('\n').map((l) => jsonlLineSchema.parse(JSON.parse(l)));
    expect(lines[0]!.raw!.response_chunks).toEqual(CHUNKS);
    expect(lines[1]!.raw!.response_chunks).toBeNull();
    expect(Buffer.from(lines[0]!.raw!.response_body_base64!, 'base64')).toEqual(readFixture(claudeCodeTurn.responseFile));
    expect(res.text).not.toContain('SECRETSECRET');
  });

  it('exports HAR 1.2 with the gzip response decoded', async () => {
    const res = await get(`/v1/sessions/${SESSION}/export?format=har`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain('.har"');
    const har = JSON.parse(res.text) as Har;
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries.map((e) => e._tapes.request_id)).toEqual(['req-main-1', 'req-sub-1', 'req-gzip']);
    expect(har.log.entries[2]!.response.content.text).toBe(readFixture(claudeCodeTurn.responseFile).toString('utf8'));
    expect(har.log.entries[0]!.request.url).toBe('https://api.anthropic.com/v1/messages');
  });

  it('exports OTLP/JSON: the session as one trace, a chat span per turn', async () => {
    const res = await get(`/v1/sessions/${SESSION}/export?format=otlp`);
    expect(res.status).toBe(200);
    const spans = parseOtlpJson(res.text);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([otlpIds.trace(SESSION)]));
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats.map((s) => s.attributes['tapes.request_id']).sort()).toEqual(['req-gzip', 'req-main-1', 'req-sub-1']);
    expect(chats.every((s) => s.attributes['gen_ai.provider.name'] === 'anthropic')).toBe(true);
  });

  it.each([
    { url: `/v1/sessions/${SESSION}/export`, status: 400, message: /format/ },
    { url: `/v1/sessions/${SESSION}/export?format=csv`, status: 400, message: /format: must be jsonl, otlp or har/ },
    { url: `/v1/sessions/${SESSION}/export?format=jsonl&bodies=maybe`, status: 400, message: /bodies/ },
    { url: '/v1/sessions/no-such-session/export?format=jsonl', status: 404, message: /no-such-session/ },
  ])('answers $url with $status, naming the problem', async ({ url, status, message }) => {
    const res = await get(url);
    expect(res.status).toBe(status);
    const body = errorSchema.parse(JSON.parse(res.text));
    expect(body.error.message).toMatch(message);
  });

  it('serves a turn’s chunk timing in its detail (null when it was not recorded)', async () => {
    const timed = turnDetailSchema.parse(JSON.parse((await get('/v1/turns/req-main-1')).text));
    expect(timed.response_chunks).toEqual(CHUNKS);
    const untimed = turnDetailSchema.parse(JSON.parse((await get('/v1/turns/req-sub-1')).text));
    expect(untimed.response_chunks).toBeNull();
  });
});
