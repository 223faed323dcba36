import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, GEMINI_FIXTURES, readFixture } from '@tapes/testing';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { z } from 'zod';
import {
  ancestrySchema,
  deletedSchema,
  errorSchema,
  nodeSchema,
  pageSchema,
  searchHitSchema,
  sessionDetailSchema,
  sessionSchema,
  statsSchema,
  turnDetailSchema,
} from '../src/lib/api-schemas';
import { readApiDigest } from '../src/lib/openapi';
import { TURN_EVENTS, type TurnEvents } from '../src/index';
import { BACKENDS, CLAUDE, record, SESSION, startReadApi } from './support/read-api-harness';

const claudeCodeTurn = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn')!;
const toolUseTurn = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_tool_use')!;
const geminiTurn = GEMINI_FIXTURES.find((f) => f.complete)!;

describe('the read API seal', () => {
  it('matches read-api.openapi.sha256: a change to the API is deliberate (update the file in the same commit)', () => {
    const sealed = readFileSync(path.join(__dirname, '..', 'read-api.openapi.sha256'), 'utf8').trim();
    expect(readApiDigest()).toBe(sealed);
  });
});

describe.each(BACKENDS)('read API (#14) on $name', (backend) => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  const turnIds: Record<string, string> = {};

  const get = async <S extends z.ZodType = typeof errorSchema>(url: string, schema?: S): Promise<{ status: number; body: z.output<S> }> => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    const body = res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.rawPayload;
    // Every answer is exactly what the published schema says (strict parse: no drift either way).
    if (schema && res.statusCode === 200) expect(() => schema.parse(body)).not.toThrow();
    if (res.statusCode >= 400) expect(() => errorSchema.parse(body)).not.toThrow();
    return { status: res.statusCode, body };
  };

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    const main = await record(claudeCodeTurn, 'req-main-1', CLAUDE, '2026-11-30T10:00:00.000Z');
    const sub = await record(toolUseTurn, 'req-sub-1', { ...CLAUDE, 'x-claude-code-agent-id': 'agent-7' }, '2026-11-30T10:01:00.000Z');
    const gemini = await record(geminiTurn, 'req-gemini-1', {}, '2026-11-29T09:00:00.000Z');
    for (const r of [main, sub, gemini]) turnIds[r.requestId] = (await store.storeTurn(r)).turnId;
    app = await startReadApi(store);
  });
  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  it('lists sessions newest first: the Claude Code session (named by its header) and the Gemini one (by its root)', async () => {
    const { status, body } = await get('/v1/sessions', pageSchema(sessionSchema));
    expect(status).toBe(200);
    expect(body.items.map((s) => s.id)).toEqual([SESSION, expect.stringMatching(/^root:[0-9a-f]{64}$/)]);
    const claude = body.items[0]!;
    expect(claude).toMatchObject({ harness: { id: 'claude', version: '2.0.31' }, turn_count: 2, thread_count: 2, first_prompt: expect.stringContaining('502'), outcomes: { complete: 2, partial: 0, unreduced: 0 } });
    expect(claude.models).toEqual(expect.arrayContaining(['claude-sonnet-4-5-20250929']));
    expect(claude.tokens.total).toBeGreaterThan(0);
    expect(claude.cost_usd).toBeGreaterThan(0);
    expect(claude.duration_ms).toBe(62_000);
  });

  it('filters and pages sessions', async () => {
    expect((await get('/v1/sessions?harness=claude', pageSchema(sessionSchema))).body.items.map((s) => s.id)).toEqual([SESSION]);
    expect((await get('/v1/sessions?since=2026-11-30', pageSchema(sessionSchema))).body.items.map((s) => s.id)).toEqual([SESSION]);
    const first = await get('/v1/sessions?limit=1', pageSchema(sessionSchema));
    expect(first.body.items).toHaveLength(1);
    const second = await get(`/v1/sessions?limit=1&cursor=${encodeURIComponent(first.body.next_cursor!)}`, pageSchema(sessionSchema));
    expect(second.body.items[0]!.id).not.toBe(first.body.items[0]!.id);
    expect(second.body.next_cursor).toBeUndefined();
  });

  it.each([
    ['/v1/sessions?limit=0', 'limit'],
    ['/v1/sessions?limit=abc', 'limit'],
    ['/v1/sessions?since=yesterday', 'since'],
    ['/v1/sessions?sort=random', 'sort'],
    ['/v1/search', 'q'],
    ['/v1/turns/req-main-1/raw?part=headers', 'part'],
    // #13: an agent name no capture site stores (control characters, over 256 bytes).
    ['/v1/sessions?agent=a%0Ab', 'agent: must not contain control characters'],
    [`/v1/nodes?agent=${'x'.repeat(257)}`, 'agent: must be at most 256 bytes'],
  ])('%s is a 400 naming %s', async (url, name) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'invalid_parameter', message: expect.stringContaining(name) } });
  });

  it('answers a bad cursor with 400 invalid_cursor, an unknown id with 404, and a malformed hash with 400', async () => {
    expect((await get('/v1/sessions?cursor=garbage')).body.error.code).toBe('invalid_cursor');
    expect((await get('/v1/sessions/nope')).status).toBe(404);
    expect((await get('/v1/turns/nope')).status).toBe(404);
    expect((await get(`/v1/nodes/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await get('/v1/nodes/xyz')).body.error.code).toBe('invalid_parameter');
  });

  it('shows a session as threads: the main thread first, then the subagent, each with its turns', async () => {
    const { body } = await get(`/v1/sessions/${SESSION}`, sessionDetailSchema);
    expect(body.threads.map((t) => [t.id, t.parent_id, t.turns.map((x) => x.request_id)])).toEqual([
      ['', null, ['req-main-1']],
      ['agent-7', '', ['req-sub-1']],
    ]);
    expect(body.threads[0]!.turns[0]).toMatchObject({ model: 'claude-sonnet-4-5-20250929', outcome: 'complete', ttfb_ms: 300, duration_ms: 2_000 });
  });

  it('shows a turn by request id: the conversation root first, headers redacted, bytes on request', async () => {
    const { body } = await get('/v1/turns/req-main-1', turnDetailSchema);
    expect(body).toMatchObject({ id: turnIds['req-main-1'], session_id: SESSION, thread_id: '', capture_site: 'proxy', harness: { id: 'claude', version: '2.0.31' } });
    expect(body.messages[0]!.parent_hash).toBeNull();
    expect(body.messages.at(-1)!.hash).toBe(body.head_hash);
    expect(JSON.stringify(body)).not.toContain('SECRETSECRET');
    expect(body.raw).toBeUndefined();
    const withBodies = await get('/v1/turns/req-main-1?bodies=true', turnDetailSchema);
    expect(Buffer.from(withBodies.body.raw!.response_body_base64!, 'base64').equals(readFixture(claudeCodeTurn.responseFile))).toBe(true);
  });

  it('downloads a body exactly as captured', async () => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/v1/turns/req-main-1/raw' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['x-tapes-content-type']).toBe(claudeCodeTurn.contentType);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="turn-${turnIds['req-main-1']}-response"`);
    expect(res.rawPayload.equals(readFixture(claudeCodeTurn.responseFile))).toBe(true);
    const request = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/v1/turns/req-main-1/raw?part=request' });
    expect(JSON.parse(request.body)).toEqual(claudeCodeTurn.request);
  });

  it('finds turns by the words in their messages and tool calls', async () => {
    const { body } = await get('/v1/search?q=upstream', pageSchema(searchHitSchema));
    expect(body.items.map((h) => h.turn_id)).toContain(turnIds['req-main-1']);
    expect(body.items.find((h) => h.turn_id === turnIds['req-main-1'])!.snippet.toLowerCase()).toContain('[upstream]');
    const within = await get(`/v1/search?q=upstream&session=${encodeURIComponent('root:none')}`, pageSchema(searchHitSchema));
    expect(within.body.items).toEqual([]);
  });

  it('sums turns, tokens and cost by day, model, agent and harness', async () => {
    const { body } = await get('/v1/stats', statsSchema);
    expect(body.by_day.map((r) => [r.key, r.turns])).toEqual([
      ['2026-11-29', 1],
      ['2026-11-30', 2],
    ]);
    expect(body.by_harness.find((r) => r.key === 'claude')!.turns).toBe(2);
    expect(body.by_model.find((r) => r.key === 'claude-sonnet-4-5-20250929')!.cost_usd).toBeGreaterThan(0);
  });

  it('serves the DAG: heads, nodes, one node, its ancestry', async () => {
    const turn = (await get('/v1/turns/req-main-1', turnDetailSchema)).body;
    const heads = await get('/v1/heads', pageSchema(nodeSchema));
    expect(heads.body.items.map((n) => n.hash)).toContain(turn.head_hash);
    expect((await get('/v1/nodes?limit=2', pageSchema(nodeSchema))).body.items).toHaveLength(2);
    expect((await get(`/v1/nodes/${turn.head_hash}`, nodeSchema)).body.turn_id).toBe(turn.id);
    const chain = await get(`/v1/nodes/${turn.head_hash}/ancestry`, ancestrySchema);
    expect(chain.body.nodes.map((n) => n.hash)).toEqual(turn.messages.map((n) => n.hash));
  });

  it('streams stored turns as server-sent events', async () => {
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/v1/events`;
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const events = app.get<TurnEvents>(TURN_EVENTS);
    // The subscription is made when the response starts; publish until the reader sees it.
    const publisher = setInterval(() => events.publish({ session_id: SESSION, turn_id: 't-live', thread_id: '', agent: null, outcome: 'complete', at: '2026-11-30T10:05:00.000Z' }), 20);
    const received: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => received.push(event) });
    try {
      while (received.length === 0) parser.feed(new TextDecoder().decode((await reader.read()).value));
    } finally {
      clearInterval(publisher);
      controller.abort();
    }
    expect(received[0]!.event).toBe('turn');
    expect(JSON.parse(received[0]!.data)).toMatchObject({ session_id: SESSION, turn_id: 't-live' });
  });

  it('serves its OpenAPI document with the mount point as its server', async () => {
    const { body } = await get('/v1/openapi.json');
    expect(body).toMatchObject({ openapi: '3.1.0', servers: [{ url: '/v1' }] });
  });

  it('deletes a session: its turns go, shared nodes of other sessions stay', async () => {
    const gemini = (await get('/v1/turns/req-gemini-1', turnDetailSchema)).body;
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'DELETE', url: `/v1/sessions/${SESSION}` });
    expect(res.statusCode).toBe(200);
    const deleted = deletedSchema.parse(res.json());
    expect(deleted.deleted).toMatchObject({ session_id: SESSION, turns: 2 });
    expect(deleted.deleted.nodes).toBeGreaterThan(0);
    expect((await get(`/v1/sessions/${SESSION}`)).status).toBe(404);
    expect((await get('/v1/turns/req-main-1')).status).toBe(404);
    expect((await get(`/v1/nodes/${gemini.head_hash}/ancestry`, ancestrySchema)).body.complete).toBe(true);
    expect((await get('/v1/search?q=upstream', pageSchema(searchHitSchema))).body.items).toEqual([]);
  });
});
