import Fastify, { type FastifyInstance } from 'fastify';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { credentialOf, installAccessControl, READ_COOKIE, type AccessClass, type AccessPolicy } from './access-control';
import { hostAllowed } from './hosts';

const READ = 'read-token-0123456789abcdef';
const CAPTURE = 'capture-token-0123456789abcdef';

function classify(method: string, path: string): AccessClass {
  if (path === '/ping') return 'public';
  if (path === '/health') return 'probe';
  if (method === 'POST' && path === '/ingest') return 'capture';
  return 'read';
}

async function app(policy: Partial<AccessPolicy> = {}): Promise<FastifyInstance> {
  const fastify = Fastify();
  installAccessControl(fastify, { classify, allowedHosts: [], cookiePath: '/', settings: { allowedHosts: 'TEST_HOSTS', readToken: 'TEST_READ_TOKEN', captureToken: 'TEST_TOKEN' }, ...policy });
  fastify.get('/ping', async () => ({ ok: true }));
  fastify.get('/health', async () => ({ ok: true }));
  fastify.get('/v1/turns', async (req) => ({ credential: credentialOf(req) }));
  fastify.get('/ui/', async () => 'page');
  fastify.post('/ingest', async (req) => ({ credential: credentialOf(req), bytes: JSON.stringify(req.body).length }));
  await fastify.ready();
  return fastify;
}

describe('hostAllowed (#13, DNS rebinding)', () => {
  it.each([
    { host: 'localhost', allowed: [], ok: true },
    { host: 'localhost:8080', allowed: [], ok: true },
    { host: 'LOCALHOST.:8080', allowed: [], ok: true },
    { host: '127.0.0.1', allowed: [], ok: true },
    { host: '127.0.0.1:65535', allowed: [], ok: true },
    { host: '127.1.2.3:80', allowed: [], ok: true },
    { host: '[::1]', allowed: [], ok: true },
    { host: '[::1]:8080', allowed: [], ok: true },
    { host: 'evil.example', allowed: [], ok: false },
    { host: 'evil.example:8080', allowed: [], ok: false },
    { host: '127.0.0.1.evil.example', allowed: [], ok: false },
    { host: 'localhost.evil.example', allowed: [], ok: false },
    { host: '0.0.0.0:8080', allowed: [], ok: false },
    { host: '10.0.0.5:8080', allowed: [], ok: false },
    { host: '', allowed: [], ok: false },
    { host: 'a b', allowed: ['*'], ok: false },
    { host: 'tapes.internal:8080', allowed: ['tapes.internal'], ok: true },
    { host: 'TAPES.internal', allowed: ['tapes.internal'], ok: true },
    { host: 'tapes.internal:9999', allowed: ['tapes.internal:8080'], ok: false },
    { host: 'tapes.internal:8080', allowed: ['tapes.internal:8080'], ok: true },
    { host: '[fd00::5]:8080', allowed: ['[fd00::5]'], ok: true },
    { host: 'anything.example', allowed: ['*'], ok: true },
  ])('$host with $allowed → $ok', ({ host, allowed, ok }) => {
    expect(hostAllowed(host, allowed)).toBe(ok);
  });

  it('refuses a request without a Host header', () => {
    expect(hostAllowed(undefined, ['*'])).toBe(false);
  });
});

describe('installAccessControl (#13)', () => {
  let fastify: FastifyInstance;
  afterEach(() => fastify?.close());

  it('answers a rebinding Host 403 with JSON naming the setting, for reads and probes; public routes stay open', async () => {
    fastify = await app();
    for (const url of ['/v1/turns', '/health', '/ui/', '/nowhere']) {
      const res = await fastify.inject({ url, headers: { host: 'evil.example' } });
      expect([url, res.statusCode]).toEqual([url, 403]);
      expect(res.json()).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('TEST_HOSTS') } });
    }
    expect((await fastify.inject({ url: '/ping', headers: { host: 'evil.example' } })).statusCode).toBe(200);
    expect((await fastify.inject({ url: '/v1/turns', headers: { host: '127.0.0.1:4000' } })).statusCode).toBe(200);
  });

  it('reads without a read token need none (loopback Host), with one they need the bearer or the cookie', async () => {
    fastify = await app({ readToken: READ });
    const host = 'localhost:8080';
    const none = await fastify.inject({ url: '/v1/turns', headers: { host } });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tapes"');
    expect(none.json().error.message).toContain('TEST_READ_TOKEN');
    expect((await fastify.inject({ url: '/v1/turns', headers: { host, authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
    expect((await fastify.inject({ url: '/v1/turns', headers: { host, cookie: `${READ_COOKIE}=wrong` } })).statusCode).toBe(401);
    const byBearer = await fastify.inject({ url: '/v1/turns', headers: { host, authorization: `Bearer ${READ}` } });
    expect([byBearer.statusCode, byBearer.json()]).toEqual([200, { credential: 'read_token' }]);
    const byCookie = await fastify.inject({ url: '/v1/turns', headers: { host, cookie: `other=1; ${READ_COOKIE}=${READ}` } });
    expect(byCookie.statusCode).toBe(200);
    // The probe needs no token; the right token never opens a Host reads do not answer to.
    expect((await fastify.inject({ url: '/health', headers: { host } })).statusCode).toBe(200);
    expect((await fastify.inject({ url: '/v1/turns', headers: { host: 'evil.example', authorization: `Bearer ${READ}` } })).statusCode).toBe(403);
  });

  it('logs a page in: ?token= sets an HttpOnly SameSite=Strict cookie and redirects to the URL without it', async () => {
    fastify = await app({ readToken: READ, cookiePath: '/_tapes' });
    const res = await fastify.inject({ url: `/ui/?a=1&token=${READ}&b=two`, headers: { host: 'localhost' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ui/?a=1&b=two');
    expect(res.headers['set-cookie']).toBe(`${READ_COOKIE}=${READ}; Path=/_tapes; HttpOnly; SameSite=Strict`);
    expect(res.headers['cache-control']).toBe('no-store');
    const follow = await fastify.inject({ url: '/ui/', headers: { host: 'localhost', cookie: `${READ_COOKIE}=${READ}` } });
    expect([follow.statusCode, follow.body]).toEqual([200, 'page']);

    const wrong = await fastify.inject({ url: '/ui/?token=nope', headers: { host: 'localhost' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    // The redirect stays on this server whatever the path looks like.
    const sneaky = await fastify.inject({ url: `//evil.example/?token=${READ}`, headers: { host: 'localhost' } });
    expect(sneaky.headers.location).toBe('/evil.example/');
  });

  it('capture routes need the capture token as a bearer, whatever the Host, and say which token proved it', async () => {
    fastify = await app({ readToken: READ, captureToken: CAPTURE });
    const post = (headers: Record<string, string>) => fastify.inject({ method: 'POST', url: '/ingest', payload: { a: 1 }, headers: { host: 'ingest.svc:8082', ...headers } });
    const missing = await post({});
    expect([missing.statusCode, missing.json().error.code]).toEqual([401, 'unauthorized']);
    expect(missing.json().error.message).toContain('TEST_TOKEN');
    expect(missing.headers.connection).toBe('close');
    expect((await post({ authorization: `Bearer ${READ}` })).statusCode).toBe(401);
    expect((await post({ cookie: `${READ_COOKIE}=${CAPTURE}` })).statusCode).toBe(401);
    const ok = await post({ authorization: `Bearer ${CAPTURE}` });
    expect([ok.statusCode, ok.json().credential]).toEqual([200, 'capture_token']);
  });

  it('answers an unauthenticated 60 MB post from its headers: the body is never read', async () => {
    fastify = await app({ captureToken: CAPTURE });
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fastify.server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    // Headers and the first kilobyte of a 60 MB JSON body; the rest never comes.
    socket.write(`POST /ingest HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${60 * 1024 * 1024}\r\n\r\n{"a":"${'x'.repeat(1024)}`);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"code":"unauthorized"');
  });

  it('sets no permissive CORS header on any answer, preflights included', async () => {
    fastify = await app({ readToken: READ });
    for (const req of [
      { method: 'OPTIONS' as const, url: '/v1/turns', headers: { host: 'localhost', origin: 'http://evil.example', 'access-control-request-method': 'GET' } },
      { method: 'GET' as const, url: '/v1/turns', headers: { host: 'localhost', origin: 'http://evil.example', authorization: `Bearer ${READ}` } },
    ]) {
      const res = await fastify.inject(req);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });
});
