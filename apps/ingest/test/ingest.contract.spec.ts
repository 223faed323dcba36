import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { readFixture } from '@tapes/testing';
import { gzipSync } from 'node:zlib';
import { BACKENDS, startIngest } from './harness';

const oneshot = JSON.parse(readFixture('anthropic/messages_oneshot.json').toString('utf8'));
const anthropicRequest = { model: 'claude-3-5-sonnet-20241022', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] };
const stream = readFixture('anthropic/messages_stream.sse');
const truncated = readFixture('anthropic/messages_truncated_stream.sse');

interface Post {
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  token?: string;
}

interface Case {
  name: string;
  post: Post;
  status: number;
  code?: string;
  outcome?: string;
  /** How many turn rows and nodes the request adds to storage. */
  turns: number;
  nodes: number;
}

const parsedTurn = (extra: Record<string, unknown> = {}) => ({ provider: 'anthropic', request: anthropicRequest, response: oneshot, ...extra });
const rawTurn = (body: Buffer, extra: Record<string, unknown> = {}) => ({
  provider: 'anthropic',
  path: '/v1/messages',
  request_body: JSON.stringify({ ...anthropicRequest, stream: true }),
  response_body_base64: body.toString('base64'),
  response_content_type: 'text/event-stream',
  ...extra,
});

/** The status matrix of design §6 for `POST /v1/ingest`: response and what storage holds after. */
const SINGLE: Case[] = [
  { name: 'parsed one-shot turn', post: { body: parsedTurn() }, status: 202, outcome: 'complete', turns: 1, nodes: 2 },
  { name: 'raw SSE stream', post: { body: rawTurn(stream, { request_id: 'raw-1' }) }, status: 202, outcome: 'complete', turns: 1, nodes: 0 },
  { name: 'raw gzip-encoded stream', post: { body: rawTurn(gzipSync(stream), { request_id: 'gz-1', response_content_encoding: 'gzip' }) }, status: 202, outcome: 'complete', turns: 1, nodes: 0 },
  { name: 'raw truncated stream is stored as partial', post: { body: rawTurn(truncated) }, status: 202, outcome: 'partial', turns: 1, nodes: 1 },
  { name: 'raw body that is an HTML page is stored unreduced', post: { body: rawTurn(Buffer.from('<html>502 Bad Gateway</html>'), { response_content_type: 'text/html' }) }, status: 202, outcome: 'unreduced', turns: 1, nodes: 0 },
  { name: 'malformed JSON', post: { raw: '{not json', contentType: 'application/json' }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'empty body', post: { raw: '', contentType: 'application/json' }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'a JSON array', post: { body: [parsedTurn()] }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'wrong value types', post: { body: { provider: 5, request: {}, response: {} } }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'no response', post: { body: { provider: 'anthropic', request: anthropicRequest } }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'two response forms', post: { body: { ...parsedTurn(), response_body: 'x' } }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'invalid base64', post: { body: rawTurn(stream, { response_body_base64: 'not base64!' }) }, status: 400, code: 'malformed_envelope', turns: 0, nodes: 0 },
  { name: 'missing provider', post: { body: { request: anthropicRequest, response: oneshot } }, status: 422, code: 'unknown_provider', turns: 0, nodes: 0 },
  { name: 'unknown provider', post: { body: parsedTurn({ provider: 'acme' }) }, status: 422, code: 'unknown_provider', turns: 0, nodes: 0 },
  { name: 'a path that is not a turn endpoint', post: { body: rawTurn(stream, { path: '/v1/messages/count_tokens' }) }, status: 422, code: 'unprocessable_turn', turns: 0, nodes: 0 },
  { name: 'an upstream status other than 200', post: { body: rawTurn(stream, { status: 429 }) }, status: 422, code: 'unprocessable_turn', turns: 0, nodes: 0 },
  { name: 'path of another provider', post: { body: parsedTurn({ path: '/v1/chat/completions' }) }, status: 422, code: 'unprocessable_turn', turns: 0, nodes: 0 },
  { name: 'parsed request that is not a request', post: { body: parsedTurn({ request: 'not-valid-json-object' }) }, status: 422, code: 'unprocessable_turn', turns: 0, nodes: 0 },
  { name: 'parsed response that is a string', post: { body: parsedTurn({ response: 'nope' }) }, status: 422, code: 'unprocessable_turn', turns: 0, nodes: 0 },
  { name: 'not JSON (text/plain)', post: { raw: JSON.stringify(parsedTurn()), contentType: 'text/plain' }, status: 415, code: 'unsupported_media_type', turns: 0, nodes: 0 },
  { name: 'over the body limit', post: { body: parsedTurn({ padding: 'x'.repeat(300 * 1024) }) }, status: 413, code: 'payload_too_large', turns: 0, nodes: 0 },
];

async function post(app: NestFastifyApplication, url: string, p: Post) {
  const payload = p.raw !== undefined ? p.raw : JSON.stringify(p.body);
  const headers: Record<string, string> = { 'content-type': p.contentType ?? 'application/json' };
  if (p.token) headers['authorization'] = `Bearer ${p.token}`;
  const res = await app.getHttpAdapter().getInstance().inject({ method: 'POST', url, payload, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
}

describe.each(BACKENDS)('ingest on $name', (backend) => {
  let store: TurnStore;
  let dispose: () => Promise<void>;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    app = await startIngest(store, { INGEST_BODY_LIMIT: '256kb' });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it.each(SINGLE)('POST /v1/ingest: $name → $status', async (c) => {
    const before = await store.counts();
    const res = await post(app, '/v1/ingest', c.post);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: c.status, code: c.code });
    if (c.outcome) expect(res.body.outcome).toBe(c.outcome);
    if (c.status >= 400) expect(typeof res.body.error.message).toBe('string');
    const after = await store.counts();
    expect({ turns: after.turns - before.turns }).toEqual({ turns: c.turns });
    // Streamed and one-shot forms of the same turn land on the same nodes: only new content adds nodes.
    expect(after.nodes - before.nodes).toBe(c.nodes);
  });

  it('answers 202 only with the committed head, and a replay of the same request_id is a duplicate that changes nothing', async () => {
    const turn = parsedTurn({ request_id: 'idem-1', agent_name: 'idem' });
    const first = await post(app, '/v1/ingest', { body: turn });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'accepted', duplicate: false, request_id: 'idem-1', nodes: 2 });
    expect(await store.getNode(first.body.head_hash)).not.toBeNull();
    const before = await store.counts();
    const second = await post(app, '/v1/ingest', { body: turn });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ duplicate: true, turn_id: first.body.turn_id, head_hash: first.body.head_hash });
    expect(await store.counts()).toEqual(before);
  });

  it('derives a stable request id when none is given, so a retried post is stored once', async () => {
    const turn = parsedTurn({ agent_name: 'derived-id' });
    const a = await post(app, '/v1/ingest', { body: turn });
    const b = await post(app, '/v1/ingest', { body: turn });
    expect(a.body.request_id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(b.body).toMatchObject({ request_id: a.body.request_id, duplicate: true });
  });

  describe('batch', () => {
    const ok = (id: string) => parsedTurn({ request_id: `batch-${backend.name}-${id}`, agent_name: 'batch' });
    it.each([
      { name: 'all accepted', turns: () => [ok('a1'), ok('a2')], status: 202, accepted: 2, rejected: 0 },
      { name: 'mixed', turns: () => [ok('m1'), parsedTurn({ provider: 'acme' })], status: 207, accepted: 1, rejected: 1 },
      { name: 'none accepted', turns: () => [parsedTurn({ provider: 'acme' }), { provider: 'anthropic' }], status: 422, accepted: 0, rejected: 2 },
    ])('$name → $status with per-item results', async (c) => {
      const before = await store.counts();
      const res = await post(app, '/v1/ingest/batch', { body: { turns: c.turns() } });
      expect(res.status).toBe(c.status);
      expect(res.body).toMatchObject({ accepted: c.accepted, rejected: c.rejected });
      expect(res.body.results).toHaveLength(c.accepted + c.rejected);
      for (const r of res.body.results) expect(r.status === 'accepted' || (r.status === 'rejected' && r.http_status >= 400 && r.http_status < 500)).toBe(true);
      expect((await store.counts()).turns - before.turns).toBe(c.accepted);
    });

    it.each([
      { name: 'empty batch', body: { turns: [] } },
      { name: 'turns not an array', body: { turns: 'x' } },
      { name: 'not an object', body: 'x' },
    ])('$name → 400', async (c) => {
      const before = await store.counts();
      const res = await post(app, '/v1/ingest/batch', { body: c.body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('malformed_envelope');
      expect(await store.counts()).toEqual(before);
    });
  });

  describe('read routes', () => {
    it('serves a node, its conversation root first, the heads of an agent and the raw turn', async () => {
      const res = await post(app, '/v1/ingest', { body: rawTurn(stream, { request_id: 'read-1', agent_name: 'reader' }) });
      const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
      const node = await get(`/v1/nodes/${res.body.head_hash}`);
      expect(node.statusCode).toBe(200);
      expect(node.json().bucket.role).toBe('assistant');
      const chain = (await get(`/v1/nodes/${res.body.head_hash}/ancestry`)).json();
      expect(chain.nodes.map((n: { hash: string }) => n.hash).at(-1)).toBe(res.body.head_hash);
      expect(chain.nodes[0].parent_hash).toBeNull();
      const heads = (await get('/v1/heads?agent=reader')).json();
      expect(heads.items.map((n: { hash: string }) => n.hash)).toContain(res.body.head_hash);
      const nodes = (await get('/v1/ingest/nodes?agent=reader&limit=1')).json();
      expect(nodes.count).toBe(1);
      expect(nodes.next_cursor).toEqual(expect.any(String));
      const turn = await get('/v1/turns/read-1');
      expect(turn.statusCode).toBe(200);
      expect(turn.json()).toMatchObject({ request_id: 'read-1', head_hash: res.body.head_hash, agent: 'reader', capture_site: 'ingest' });
      expect((await get('/v1/turns/nope')).statusCode).toBe(404);
      expect((await get(`/v1/nodes/${'0'.repeat(64)}`)).statusCode).toBe(404);
      expect((await get('/v1/nodes/xyz')).statusCode).toBe(400);
      expect((await get('/v1/ingest/nodes?cursor=not-a-cursor')).json().error.code).toBe('invalid_cursor');
    });
  });
});

describe('bearer auth', () => {
  const TOKEN = 'a-very-secret-token-of-32-chars!';
  let app: NestFastifyApplication;
  let dispose: () => Promise<void>;
  let store: TurnStore;
  beforeAll(async () => {
    ({ store, dispose } = await BACKENDS[0]!.open());
    app = await startIngest(store, { INGEST_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it.each([
    { name: 'no token', token: undefined, status: 401 },
    { name: 'wrong token', token: 'wrong-token-wrong-token-wrong-tok', status: 401 },
    { name: 'right token', token: TOKEN, status: 202 },
  ])('POST /v1/ingest with $name → $status', async (c) => {
    const res = await post(app, '/v1/ingest', { body: parsedTurn({ request_id: `auth-${c.name}` }), ...(c.token ? { token: c.token } : {}) });
    expect(res.status).toBe(c.status);
    if (c.status === 401) expect(res.body.error.code).toBe('unauthorized');
  });

  it.each(['/ping', '/health', '/metrics'])('%s stays open without a token', async (url) => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
  });

  it('protects the read routes and the OpenAPI document', async () => {
    for (const url of ['/v1/ingest/nodes', '/v1/heads', '/v1/sessions', '/v1/events', '/openapi.json', '/v1/openapi.json']) {
      expect((await app.getHttpAdapter().getInstance().inject({ method: 'GET', url })).statusCode).toBe(401);
    }
    const doc = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(doc.json()).toMatchObject({ openapi: '3.1.0', paths: { '/v1/ingest': expect.any(Object), '/v1/ingest/batch': expect.any(Object) } });
    const read = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/v1/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(read.json()).toMatchObject({ info: { title: 'tapes read API' }, servers: [{ url: '/v1' }], paths: { '/sessions': expect.any(Object) } });
  });
});
