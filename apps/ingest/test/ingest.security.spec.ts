import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, parseConfig, READ_COOKIE } from '@tapes/nest-kit';
import type { TurnStore } from '@tapes/storage';
import { readFixture } from '@tapes/testing';
import net, { type AddressInfo } from 'node:net';
import { ingestConfigSchema } from '../src/config/ingest-config';
import { BACKENDS, startIngest } from './harness';

/** #13: who may post and read, and what a reused request id or a hostile agent name gets. */
const oneshot = JSON.parse(readFixture('anthropic/messages_oneshot.json').toString('utf8'));
const request = { model: 'claude-3-5-sonnet-20241022', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] };
const stream = readFixture('anthropic/messages_stream.sse');
const TOKEN = 'ingest-security-token-0123456789';

const parsedTurn = (extra: Record<string, unknown> = {}) => ({ provider: 'anthropic', request, response: oneshot, ...extra });
const rawTurn = (response: Buffer, extra: Record<string, unknown> = {}) => ({
  provider: 'anthropic',
  path: '/v1/messages',
  request_body: JSON.stringify({ ...request, stream: true }),
  response_body_base64: response.toString('base64'),
  response_content_type: 'text/event-stream',
  ...extra,
});

function inject(app: NestFastifyApplication, options: { method?: 'GET' | 'POST'; url: string; body?: unknown; headers?: Record<string, string> }) {
  return app
    .getHttpAdapter()
    .getInstance()
    .inject({ method: options.method ?? 'GET', url: options.url, headers: { host: '127.0.0.1:8082', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers }, ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}) });
}

function problemsOf(env: Record<string, string>): string {
  try {
    parseConfig('tapes ingest', ingestConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('ingest configuration (#13)', () => {
  it.each(['0.0.0.0', '::', '10.0.0.5'])('refuses to bind %s without INGEST_TOKEN and says how to set one', (host) => {
    const problems = problemsOf({ INGEST_HOST: host });
    expect(problems).toMatch(/^INGEST_TOKEN: is required when INGEST_HOST binds .* \(reachable from other machines\)/);
    expect(problems).toContain('INGEST_TOKEN=$(openssl rand -hex 32)');
    expect(problems).toContain('INGEST_AUTH=off');
  });

  it('binds a non-loopback address with a token, or with an explicit INGEST_AUTH=off', () => {
    expect(parseConfig('ingest', ingestConfigSchema, { INGEST_HOST: '0.0.0.0', INGEST_TOKEN: TOKEN }).access.token).toBe(TOKEN);
    expect(parseConfig('ingest', ingestConfigSchema, { INGEST_HOST: '0.0.0.0', INGEST_AUTH: 'off' }).access.auth).toBe('off');
    expect(parseConfig('ingest', ingestConfigSchema, {}).listen.host).toBe('127.0.0.1');
  });

  it('refuses INGEST_AUTH=off beside a token, and a token that is short', () => {
    expect(problemsOf({ INGEST_AUTH: 'off', INGEST_TOKEN: TOKEN })).toContain('INGEST_AUTH: is off while INGEST_TOKEN is set');
    expect(problemsOf({ INGEST_TOKEN: 'short' })).toContain('INGEST_TOKEN: must be at least 16 characters');
  });
});

describe('ingest read access (#13)', () => {
  let store: TurnStore;
  let dispose: () => Promise<void>;
  let open: NestFastifyApplication;
  let guarded: NestFastifyApplication;
  let turnId: string;

  beforeAll(async () => {
    ({ store, dispose } = await BACKENDS[0]!.open());
    open = await startIngest(store);
    guarded = await startIngest(store, { INGEST_TOKEN: TOKEN, INGEST_ALLOWED_HOSTS: 'tapes-ingest.tapes.svc' });
    const posted = await inject(open, { method: 'POST', url: '/v1/ingest', body: parsedTurn({ request_id: 'read-me' }) });
    turnId = posted.json().turn_id;
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
    await dispose();
  });

  it('answers a rebinding Host 403 on every read, raw bodies included, and loopback 200', async () => {
    for (const url of [`/v1/turns/${turnId}?bodies=true`, '/v1/sessions', '/v1/ingest/nodes', '/ui/', '/openapi.json']) {
      const res = await inject(open, { url, headers: { host: 'evil.example:8082' } });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 403, 'forbidden']);
      expect(res.body).not.toContain('Hello');
    }
    expect((await inject(open, { url: `/v1/turns/${turnId}?bodies=true`, headers: { host: 'localhost:8082' } })).statusCode).toBe(200);
    // Probes and scrapes answer any Host (kubelets, Prometheus).
    for (const url of ['/ping', '/health/live', '/metrics']) expect((await inject(open, { url, headers: { host: '10.1.2.3:8082' } })).statusCode).toBe(200);
  });

  it('with INGEST_TOKEN, reads need it (bearer or the page cookie), and answer the configured hosts', async () => {
    expect((await inject(guarded, { url: `/v1/turns/${turnId}` })).statusCode).toBe(401);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await inject(guarded, { url: `/v1/turns/${turnId}`, headers: bearer })).statusCode).toBe(200);
    expect((await inject(guarded, { url: `/v1/turns/${turnId}`, headers: { ...bearer, host: 'tapes-ingest.tapes.svc:8082' } })).statusCode).toBe(200);
    expect((await inject(guarded, { url: `/v1/turns/${turnId}`, headers: { ...bearer, host: 'evil.example' } })).statusCode).toBe(403);
    const login = await inject(guarded, { url: `/ui/sessions?token=${TOKEN}` });
    expect([login.statusCode, login.headers.location]).toEqual([303, '/ui/sessions']);
    expect(login.headers['set-cookie']).toBe(`${READ_COOKIE}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
    expect((await inject(guarded, { url: `/v1/turns/${turnId}`, headers: { cookie: `${READ_COOKIE}=${TOKEN}` } })).statusCode).toBe(200);
  });

  it('never answers with a permissive CORS header', async () => {
    const res = await inject(open, { url: '/v1/sessions', headers: { origin: 'http://evil.example' } });
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses an unauthenticated 60 MB post from its headers, before reading the body', async () => {
    await guarded.listen({ host: '127.0.0.1', port: 0 });
    const { port } = guarded.getHttpServer().address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST /v1/ingest HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${60 * 1024 * 1024}\r\n\r\n{"provider":"anthropic","padding":"${'x'.repeat(4096)}`);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('"code":"unauthorized"');
  });
});

describe.each(BACKENDS)('ingest on $name: request ids, capture sites and agent names (#13)', (backend) => {
  let store: TurnStore;
  let dispose: () => Promise<void>;
  let open: NestFastifyApplication;
  let guarded: NestFastifyApplication;

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    open = await startIngest(store);
    guarded = await startIngest(store, { INGEST_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
    await dispose();
  });

  it('answers a reused request_id with the same content as a duplicate, with other content 409 naming it', async () => {
    const id = `conflict-${backend.name}`;
    const first = await inject(open, { method: 'POST', url: '/v1/ingest', body: rawTurn(stream, { request_id: id }) });
    expect(first.statusCode).toBe(202);
    const same = await inject(open, { method: 'POST', url: '/v1/ingest', body: rawTurn(stream, { request_id: id }) });
    expect([same.statusCode, same.json().duplicate, same.json().turn_id]).toEqual([202, true, first.json().turn_id]);
    const before = await store.counts();
    const other = await inject(open, { method: 'POST', url: '/v1/ingest', body: rawTurn(readFixture('anthropic/messages_truncated_stream.sse'), { request_id: id }) });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toEqual({ code: 'conflict', message: expect.stringContaining(JSON.stringify(id)) });
    expect(await store.counts()).toEqual(before);
    const stored = await store.getTurn(id);
    expect(Buffer.from(stored!.responseBody!).equals(stream)).toBe(true);
    // In a batch, the conflicting item is refused on its own.
    const batch = await inject(open, { method: 'POST', url: '/v1/ingest/batch', body: { turns: [rawTurn(stream, { request_id: id }), rawTurn(Buffer.from('data: {}\n\n'), { request_id: id })] } });
    expect(batch.statusCode).toBe(207);
    expect(batch.json().results.map((r: { status: string; http_status?: number }) => [r.status, r.http_status])).toEqual([
      ['accepted', undefined],
      ['rejected', 409],
    ]);
    const metrics = await inject(open, { url: '/metrics' });
    expect(metrics.body).toMatch(/tapes_ingest_writes_total\{provider="anthropic",status="reject_conflict"[^}]*\} [1-9]/);
  });

  it('decides capture_site itself: a body claiming `sidecar` is believed only with the ingest token', async () => {
    const claim = (id: string) => rawTurn(stream, { request_id: `${id}-${backend.name}`, capture_site: 'sidecar' });
    expect((await inject(open, { method: 'POST', url: '/v1/ingest', body: claim('claimed') })).statusCode).toBe(202);
    expect((await store.getTurn(`claimed-${backend.name}`))?.captureSite).toBe('ingest');
    expect((await inject(guarded, { method: 'POST', url: '/v1/ingest', body: claim('proved'), headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(202);
    expect((await store.getTurn(`proved-${backend.name}`))?.captureSite).toBe('sidecar');
    // A refused X-Tapes envelope: a client's own post hears 400; a post from a capture site keeps
    // its turn, the envelope set aside with a diagnostic — also a sidecar that could not prove
    // itself (an ingest without a token): refusing would lose an agent's turn (recorded as ingest).
    const badEnvelope = { request_headers: { 'x-tapes-harness-id': 'claude', 'x-tapes-harness-session-id': 'env-session', 'x-tapes-harness-metadata': Buffer.from('[1,2]').toString('base64url') } };
    const own = await inject(open, { method: 'POST', url: '/v1/ingest', body: { ...rawTurn(stream, { request_id: `bad-env-own-${backend.name}` }), ...badEnvelope } });
    expect([own.statusCode, own.json().error.message]).toEqual([400, expect.stringContaining('harness_metadata')]);
    expect(await store.getTurn(`bad-env-own-${backend.name}`)).toBeNull();
    const unproved = await inject(open, { method: 'POST', url: '/v1/ingest', body: { ...claim('bad-env'), ...badEnvelope } });
    expect([unproved.statusCode, unproved.json().diagnostics]).toEqual([202, expect.arrayContaining(['envelope_error'])]);
    expect((await store.getTurn(`bad-env-${backend.name}`))?.captureSite).toBe('ingest');
    const proved = await inject(guarded, { method: 'POST', url: '/v1/ingest', body: { ...claim('bad-env-proved'), ...badEnvelope }, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(proved.statusCode).toBe(202);
    expect(proved.json().diagnostics).toContain('envelope_error');
  });

  it.each([
    { name: 'a control character', agent: 'evil\nagent', problem: 'must not contain control characters' },
    { name: 'an escape sequence', agent: 'a\u001b[2Jb', problem: 'must not contain control characters' },
    { name: '257 bytes', agent: `${'é'.repeat(128)}x`, problem: 'must be at most 256 bytes of UTF-8 (got 257)' },
    { name: '15,000 characters', agent: 'a'.repeat(15_000), problem: 'must be at most 256 bytes' },
  ])('refuses an agent name with $name: 400 naming agent_name', async ({ agent, problem }) => {
    const before = await store.counts();
    const res = await inject(open, { method: 'POST', url: '/v1/ingest', body: parsedTurn({ agent_name: agent }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('malformed_envelope');
    expect(res.json().error.message).toContain(`agent_name: ${problem}`);
    expect(await store.counts()).toEqual(before);
  });

  it('stores a UTF-8 agent name as sent', async () => {
    const res = await inject(open, { method: 'POST', url: '/v1/ingest', body: parsedTurn({ agent_name: 'café ☕', request_id: `utf8-${backend.name}` }) });
    expect(res.statusCode).toBe(202);
    expect((await store.getTurn(`utf8-${backend.name}`))?.agentName).toBe('café ☕');
  });
});
