import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openStorage, type StoredTurn, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, MockUpstream, readFixture, send } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, readTurns } from './support/stored-turns';

/** #13, end to end on the running proxy: who may read, what reaches the upstream, what a hostile client gets. */
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const READ_TOKEN = 'proxy-read-token-0123456789abcdef';
// A Buffer: Node's client writes the head with a string body's encoding (UTF-8), which would mangle non-ASCII header bytes.
const body = Buffer.from(JSON.stringify(fixture.request));
const turnHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
const modeOf = (p: string): number => statSync(p).mode & 0o777;

/** A raw connection: what the proxy answers (or that it closes), byte for byte. */
function rawClient(url: string): { socket: net.Socket; answer: () => string; closed: Promise<void> } {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, answer: () => answer, closed };
}

describe('the proxy on its own (#13)', () => {
  let root: string;
  let upstream: MockUpstream;
  let proxy: RunningProxy;
  let store: TurnStore;
  let umask: number;

  beforeAll(async () => {
    umask = process.umask(0o022);
    root = mkdtempSync(path.join(os.tmpdir(), 'tapes-proxy-security-'));
    upstream = await MockUpstream.start((_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      res.end(readFixture(fixture.responseFile));
    });
    // The embedded database in a data directory that does not exist yet: the proxy creates it.
    proxy = await startProxy({ upstream: `${upstream.url}/tenant`, databaseUrl: '', dataDir: path.join(root, 'data', '.tapes') });
    store = await openStorage({ dataDir: proxy.dataDir, migrate: false });
  });
  afterAll(async () => {
    await proxy.close();
    await store.close();
    await upstream.close();
    rmSync(root, { recursive: true, force: true });
    process.umask(umask);
  });

  async function turnsWhere(check: (turns: StoredTurn[]) => boolean): Promise<StoredTurn[]> {
    return eventually(async () => {
      const turns = await readTurns(store, { sqliteFile: path.join(proxy.dataDir, 'tapes.db') });
      return check(turns) ? turns : undefined;
    }, 'the turns to be stored');
  }

  /** The stored turn of the request sent with `x-case: <label>` (turns are stored in any order). */
  async function turnOf(label: string): Promise<StoredTurn> {
    const turns = await turnsWhere((t) => t.some((turn) => turn.requestHeaders?.['x-case'] === label));
    return turns.find((turn) => turn.requestHeaders?.['x-case'] === label)!;
  }

  it('answers /_tapes/* only to a loopback Host: a rebinding Host gets 403, raw bodies included', async () => {
    expect((await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: { ...turnHeaders, 'x-case': 'rebinding' }, body })).status).toBe(200);
    const turn = await turnOf('rebinding');
    const port = new URL(proxy.url).port;
    for (const url of [`/_tapes/v1/turns/${turn!.id}?bodies=true`, '/_tapes/v1/sessions', '/_tapes/health', '/_tapes/metrics', '/_tapes/', '/_tapes/nowhere']) {
      const res = await send(`${proxy.url}${url}`, { headers: { host: `evil.example:${port}` } });
      expect([url, res.status]).toEqual([url, 403]);
      expect(JSON.parse(res.body.toString()).error.code).toBe('forbidden');
      expect(res.body.toString()).not.toContain('messages');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await send(`${proxy.url}/_tapes/v1/turns/${turn!.id}?bodies=true`, { headers: { host } })).status).toBe(200);
    }
    // Exchanges are the agent's: forwarded whatever the Host, never gated.
    expect((await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: { ...turnHeaders, host: 'api.anthropic.com' }, body })).status).toBe(200);
  });

  it('resolves dot-segments before joining the upstream base: nothing climbs above it', async () => {
    for (const [sent, want] of [
      ['/agents/x/../../admin', '/tenant/admin'],
      ['/agents/codex/%2e%2e/%2E%2E/%2e./admin?x=../y', '/tenant/admin?x=../y'],
      ['/v1/../../../../etc/passwd', '/tenant/etc/passwd'],
    ] as const) {
      const seen = upstream.requests.length;
      expect((await send(`${proxy.url}${sent}`)).status).toBe(200);
      expect([sent, upstream.requests[seen]?.url]).toEqual([sent, want]);
    }
  });

  it('gives one agent name one hash: UTF-8 in X-Tapes-Agent-Name and in /agents/<name>/ store the same nodes', async () => {
    const name = 'café ☕';
    // What a client puts on the wire: the UTF-8 bytes (Node's client writes a header string as latin1, one byte per character).
    expect((await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: { ...turnHeaders, 'x-case': 'utf8-header', 'x-tapes-agent-name': Buffer.from(name, 'utf8').toString('latin1') }, body })).status).toBe(200);
    expect((await send(`${proxy.url}/agents/${encodeURIComponent(name)}/v1/messages`, { method: 'POST', headers: { ...turnHeaders, 'x-case': 'utf8-path' }, body })).status).toBe(200);
    const viaHeader = await turnOf('utf8-header');
    const viaPath = await turnOf('utf8-path');
    expect([viaHeader!.agentName, viaPath!.agentName]).toEqual([name, name]);
    expect(viaPath!.headHash).toBe(viaHeader!.headHash);
    expect(viaHeader!.nodeCount).toBeGreaterThan(0);
  });

  it.each([
    { name: 'a C1 control character in the header', headers: { 'x-tapes-agent-name': Buffer.from('evil\u0085name', 'utf8').toString('latin1') }, url: '/v1/messages', want: 'evil\uFFFDname' },
    { name: 'a newline in the path', headers: {}, url: '/agents/evil%0Aname/v1/messages', want: 'evil\uFFFDname' },
    { name: '15,000 characters in the header', headers: { 'x-tapes-agent-name': 'a'.repeat(15_000) }, url: '/v1/messages', want: 'a'.repeat(256) },
  ])('forwards and stores the turn of an agent with $name under a sanitised name, with a diagnostic', async ({ name, headers, url, want }) => {
    const seen = upstream.requests.length;
    const res = await send(`${proxy.url}${url}`, { method: 'POST', headers: { ...turnHeaders, ...headers, 'x-case': name }, body });
    expect(res.status).toBe(200);
    expect(upstream.requests[seen]?.url).toBe('/tenant/v1/messages');
    const turn = await turnOf(name);
    expect(turn!.agentName).toBe(want);
    expect(turn!.diagnostics).toContainEqual(expect.objectContaining({ code: 'agent_name_sanitized' }));
  });

  it('keeps its files private: data directory and journal 0700, database, -wal, -shm and journal segments 0600', async () => {
    await turnsWhere((t) => t.length > 0);
    expect(modeOf(proxy.dataDir)).toBe(0o700);
    const files = ['tapes.db', 'tapes.db-wal', 'tapes.db-shm'].map((f) => path.join(proxy.dataDir, f));
    const journal = path.join(proxy.dataDir, 'journal');
    files.push(...readdirSync(journal).map((f) => path.join(journal, f)));
    expect(modeOf(journal)).toBe(0o700);
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect([file, modeOf(file)]).toEqual([file, 0o600]);
  });
});

describe('the proxy with a read token, a body idle timeout and a connection cap (#13)', () => {
  let upstream: MockUpstream;
  let proxy: RunningProxy;
  let capped: RunningProxy;

  beforeAll(async () => {
    upstream = await MockUpstream.start((_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      res.end(readFixture(fixture.responseFile));
    });
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: '', env: { TAPES_READ_TOKEN: READ_TOKEN, TAPES_REQUEST_BODY_IDLE_TIMEOUT: '500ms' } });
    capped = await startProxy({ upstream: upstream.url, databaseUrl: '', env: { TAPES_MAX_CONNECTIONS: '2' } });
  });
  afterAll(async () => {
    await proxy.close();
    await capped.close();
    await upstream.close();
  });

  it('reads need the token; health and metrics do not; exchanges are never gated by it', async () => {
    const none = await send(`${proxy.url}/_tapes/v1/sessions`);
    expect([none.status, JSON.parse(none.body.toString()).error.code]).toEqual([401, 'unauthorized']);
    expect((await send(`${proxy.url}/_tapes/v1/sessions`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    expect((await send(`${proxy.url}/_tapes/v1/sessions`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).status).toBe(200);
    expect((await send(`${proxy.url}/_tapes/health/live`)).status).toBe(200);
    expect((await send(`${proxy.url}/_tapes/metrics`)).status).toBe(200);
    expect((await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body })).status).toBe(200);
  });

  it('logs a page in: GET /_tapes/?token= sets the cookie (HttpOnly, SameSite=Strict, Path=/_tapes) and redirects without the token', async () => {
    const login = await send(`${proxy.url}/_tapes/?token=${READ_TOKEN}&view=sessions`);
    expect([login.status, login.headers.location]).toEqual([303, '/_tapes/?view=sessions']);
    expect(login.headers['set-cookie']).toEqual([`tapes_read=${READ_TOKEN}; Path=/_tapes; HttpOnly; SameSite=Strict`]);
    expect((await send(`${proxy.url}/_tapes/v1/sessions`, { headers: { cookie: `tapes_read=${READ_TOKEN}` } })).status).toBe(200);
    expect((await send(`${proxy.url}/_tapes/?token=not-the-token`)).status).toBe(401);
  });

  it('cuts a request body trickled a byte at a time: 408, and the upstream never gets the request', async () => {
    const seen = upstream.requests.length;
    const client = rawClient(proxy.url);
    client.socket.write(`POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
    client.socket.write(body.subarray(0, 1));
    // A byte every 5 s, as the client did: the first silence is already over the 500 ms configured.
    let at = 1;
    const trickle = setInterval(() => client.socket.write(body.subarray(at, ++at)), 5_000);
    try {
      await client.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(client.answer()).toMatch(/^HTTP\/1\.1 408 /);
    expect(client.answer()).toContain('"code":"request_timeout"');
    expect(upstream.requests.length).toBe(seen);
    expect(metricValue((await send(`${proxy.url}/_tapes/metrics`)).body.toString(), 'tapes_proxy_requests_total', { status: '408' })).toBe(1);
  });

  it('never cuts a body that keeps coming, however slowly overall', async () => {
    const client = rawClient(proxy.url);
    client.socket.write(`POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
    // Pieces 20 ms apart (the idle timeout is 500 ms): the whole body takes longer than one timeout.
    const pieces = Math.min(40, body.length);
    const size = Math.ceil(body.length / pieces);
    for (let at = 0; at < body.length; at += size) {
      client.socket.write(body.subarray(at, at + size));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.closed;
    expect(client.answer()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('holds at most TAPES_MAX_CONNECTIONS client connections: one more is closed at accept, and counted', async () => {
    const server = capped.app.getHttpServer();
    const open = () => new Promise<number>((resolve, reject) => server.getConnections((err: Error | null, n: number) => (err ? reject(err) : resolve(n))));
    const held = [rawClient(capped.url), rawClient(capped.url)];
    await eventually(async () => ((await open()) === 2 ? true : undefined), 'two open connections');
    const third = rawClient(capped.url);
    await third.closed;
    expect(third.answer()).toBe('');
    for (const c of held) c.socket.destroy();
    await eventually(async () => ((await open()) === 0 ? true : undefined), 'the held connections to close');
    const metrics = await send(`${capped.url}/_tapes/metrics`);
    expect(metricValue(metrics.body.toString(), 'tapes_proxy_connections_refused_total')).toBeGreaterThanOrEqual(1);
    expect((await send(`${capped.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body })).status).toBe(200);
  });
});

