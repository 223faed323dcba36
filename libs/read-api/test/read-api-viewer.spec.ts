import { gzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';
import { errorSchema, sessionDagSchema, turnDecodedSchema, turnDetailSchema } from '../src/lib/api-schemas';
import { BACKENDS, CLAUDE, record, SESSION, startReadApi } from './support/read-api-harness';

/** The two routes the viewer (#15) needs beyond #14's: a session's DAG and a turn decoded on the server. */
const claudeCodeTurn = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn')!;
const helloStream = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const toolUseTurn = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_tool_use')!;
const errorBody = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/error_body')!;

describe.each(BACKENDS)('read API for the viewer (#15) on $name', (backend) => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  const ids: Record<string, string> = {};

  const get = async (url: string) => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() as unknown };
  };

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    const turns = [
      await record(claudeCodeTurn, 'req-main-1', CLAUDE, '2026-11-30T10:00:00.000Z'),
      await record(toolUseTurn, 'req-sub-1', { ...CLAUDE, 'x-claude-code-agent-id': 'agent-7' }, '2026-11-30T10:01:00.000Z'),
      // A retry: the same request, another answer — the conversation forks after its last message.
      await record(claudeCodeTurn, 'req-main-retry', CLAUDE, '2026-11-30T10:02:00.000Z', { responseBody: readFixture(helloStream.responseFile) }),
      // The same stream gzip-encoded on the wire, in a session of its own.
      await record(claudeCodeTurn, 'req-gzip', { ...CLAUDE, 'x-claude-code-session-id': '22222222-2222-4222-8222-222222222222' }, '2026-11-30T11:00:00.000Z', {
        responseBody: gzipSync(readFixture(claudeCodeTurn.responseFile)),
        responseHeaders: { 'content-encoding': 'gzip' },
      }),
      // `--continue`: the first turn this session captured already carries 40 messages (a walk longer than one step).
      await record(helloStream, 'req-long', { ...CLAUDE, 'x-claude-code-session-id': '44444444-4444-4444-8444-444444444444' }, '2026-11-30T13:00:00.000Z', {
        request: { ...helloStream.request, messages: Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}` })) },
      }),
      await record(errorBody, 'req-error', { ...CLAUDE, 'x-claude-code-session-id': '33333333-3333-4333-8333-333333333333' }, '2026-11-30T12:00:00.000Z'),
    ];
    for (const r of turns) ids[r.requestId] = (await store.storeTurn(r)).turnId;
    app = await startReadApi(store);
  });
  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  it("draws a session's DAG: parents first, the fork a retry made, each thread's head", async () => {
    const { status, body } = await get(`/v1/sessions/${SESSION}/dag`);
    expect(status).toBe(200);
    const dag = sessionDagSchema.parse(body);
    const first = turnDetailSchema.parse((await get('/v1/turns/req-main-1')).body);
    const retry = turnDetailSchema.parse((await get('/v1/turns/req-main-retry')).body);
    const sub = turnDetailSchema.parse((await get('/v1/turns/req-sub-1')).body);
    // Main thread: 3 request messages + 2 answers; the subagent: its question and its answer.
    expect(dag.nodes).toHaveLength(7);
    const seen = new Set<string>();
    for (const node of dag.nodes) {
      if (node.parent_hash) expect(seen.has(node.parent_hash)).toBe(true);
      seen.add(node.hash);
    }
    const forkAt = first.messages.at(-2)!.hash;
    expect(retry.messages.at(-2)!.hash).toBe(forkAt);
    expect(dag.forks).toEqual([forkAt]);
    expect(dag.heads).toEqual([
      { thread_id: '', hash: retry.head_hash },
      { thread_id: 'agent-7', hash: sub.head_hash },
    ]);
    expect(dag.turns.map((t) => [t.id, t.thread_id, t.head_hash])).toEqual([
      [first.id, '', first.head_hash],
      [sub.id, 'agent-7', sub.head_hash],
      [retry.id, '', retry.head_hash],
    ]);
    const head = dag.nodes.find((n) => n.hash === first.head_hash)!;
    expect(head).toMatchObject({ role: 'assistant', turn_id: first.id, thread_id: '', block_types: ['thinking', 'text', 'tool_use', 'tool_use'] });
    expect(head.preview.length).toBeGreaterThan(0);
    expect(dag.nodes.find((n) => n.parent_hash === null && n.thread_id === '')!.preview).toContain('502');
    expect(dag.complete).toBe(true);
  });

  it('walks a chain of any depth: a first turn that already carried 40 messages', async () => {
    const dag = sessionDagSchema.parse((await get('/v1/sessions/44444444-4444-4444-8444-444444444444/dag')).body);
    expect(dag.nodes).toHaveLength(41);
    expect(dag.nodes[0]!.parent_hash).toBeNull();
    expect(dag.nodes[0]!.preview).toBe('message 0');
    expect(dag.nodes.at(-1)!.role).toBe('assistant');
    expect(dag.complete).toBe(true);
  });

  it('answers an unknown session with 404', async () => {
    const { status, body } = await get('/v1/sessions/nope/dag');
    expect(status).toBe(404);
    expect(errorSchema.parse(body).error.code).toBe('not_found');
  });

  it('decodes a streamed turn: the request as its API reads it, the response as its event list', async () => {
    const { status, body } = await get('/v1/turns/req-main-1/decoded');
    expect(status).toBe(200);
    const decoded = turnDecodedSchema.parse(body);
    expect(decoded.turn_id).toBe(ids['req-main-1']);
    expect(decoded.request).toMatchObject({ model: 'claude-sonnet-4-5-20250929', messages: 3, settings: { max_tokens: 32000, stream: true } });
    expect(decoded.request.system).toContain('You are Claude Code');
    expect(decoded.request.error).toBeUndefined();
    expect(decoded.response).toMatchObject({ format: 'sse', content_type: claudeCodeTurn.contentType, content_encoding: null, decode: { outcome: 'decoded' }, total_frames: 27, diagnostics: [] });
    expect(decoded.response.frames.map((f) => f.event)).toEqual(expect.arrayContaining(['message_start', 'ping', 'content_block_delta', 'message_stop']));
    expect(decoded.response.frames[0]).toMatchObject({ event: 'message_start', data: { type: 'message_start' } });
    expect(decoded.response.stored_bytes).toBe(readFixture(claudeCodeTurn.responseFile).byteLength);
    expect(JSON.stringify(decoded)).not.toContain('SECRETSECRET');
  });

  it('undoes the content encoding first: a gzip stream decodes to the same events', async () => {
    const plain = turnDecodedSchema.parse((await get('/v1/turns/req-main-1/decoded')).body);
    const gzip = turnDecodedSchema.parse((await get('/v1/turns/req-gzip/decoded')).body);
    expect(gzip.response).toMatchObject({ content_encoding: 'gzip', decode: { outcome: 'decoded' }, decoded_bytes: plain.response.decoded_bytes });
    expect(gzip.response.stored_bytes).toBeLessThan(plain.response.stored_bytes);
    expect(gzip.response.frames).toEqual(plain.response.frames);
  });

  it('shows a one-shot body as its document (here an error the provider sent with status 200)', async () => {
    const decoded = turnDecodedSchema.parse((await get('/v1/turns/req-error/decoded')).body);
    expect(decoded.response.format).toBe('json');
    expect(decoded.response.frames).toEqual([{ event: null, data: JSON.parse(readFixture(errorBody.responseFile).toString('utf8')) }]);
  });

  it('answers an unknown turn with 404', async () => {
    expect((await get('/v1/turns/nope/decoded')).status).toBe(404);
  });
});
