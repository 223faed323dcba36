import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStorage, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, createTestSqlite, MockUpstream, readFixture, send, type TestSqlite, writeFrames } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, readTurns } from './support/stored-turns';

const streamFixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const streamBody = readFixture(streamFixture.responseFile);
/** The fixture's SSE events, each with its blank line: what a real upstream flushes one by one. */
const streamFrames = streamBody
  .toString('utf8')
  .split(/(?<=\n\n)/)
  .map((frame) => Buffer.from(frame, 'utf8'));
const turnRequest = JSON.stringify(streamFixture.request);
const turnHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' };

function sseHead(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

describe('forwarding', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    upstream = await MockUpstream.start();
  });

  // A fresh database per test: each one asserts on exactly the turns it caused.
  beforeEach(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
  });

  afterEach(async () => {
    await proxy?.close();
    await store.close();
    sqlite.cleanup();
    upstream.requests.length = 0;
  });

  afterAll(async () => {
    await upstream.close();
  });

  async function turns() {
    return readTurns(store, { sqliteFile: sqlite.path });
  }

  async function metrics(): Promise<string> {
    return (await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8');
  }

  describe('a non-turn exchange', () => {
    beforeEach(async () => {
      proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url });
    });

    it('relays status, reason, headers and body as the upstream sent them, with the query string, and records nothing', async () => {
      const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      upstream.handle((_req, res) => {
        res.writeHead(203, 'Custom Reason', {
          'content-type': 'application/octet-stream',
          'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
          'x-multi': ['one', 'two'],
          'content-length': body.byteLength,
          'keep-alive': 'timeout=5',
        });
        res.end(body);
      });
      const res = await send(`${proxy.url}/v1/models?limit=2&after=x%20y`, {
        headers: { authorization: 'Bearer sk-test', 'x-tapes-agent-name': 'claude', 'accept-encoding': 'gzip, br', 'x-repeat': ['1', '2'] },
      });

      expect(res.status).toBe(203);
      expect(res.statusMessage).toBe('Custom Reason');
      expect(res.body.equals(body)).toBe(true);
      expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      expect(res.headers['x-multi']).toBe('one, two');
      expect(res.headers['content-length']).toBe(String(body.byteLength));
      expect(res.headers['keep-alive']).toBeUndefined();

      const seen = upstream.requests[0]!;
      expect(seen.url).toBe('/v1/models?limit=2&after=x%20y');
      expect(seen.headers.host).toBe(new URL(upstream.url).host);
      expect(seen.headers['authorization']).toBe('Bearer sk-test');
      expect(seen.headers['accept-encoding']).toBe('gzip, br');
      expect(seen.headers['x-repeat']).toBe('1, 2');
      expect(seen.headers['x-tapes-agent-name']).toBeUndefined();

      // A non-200 answer is reported for its status first (the shared precedence), whatever the path.
      expect(metricValue(await metrics(), 'tapes_proxy_turns_dropped_total', { reason: 'upstream_status' })).toBe(1);
      expect(await turns()).toHaveLength(0);
    });

    it('streams a request body upstream unchanged, whatever its content type', async () => {
      upstream.handle((req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.body));
      const payload = Buffer.alloc(3 * 1024 * 1024, 7);
      payload.write('not json at all {', 0);
      const res = await send(`${proxy.url}/v1/files`, { method: 'PUT', headers: { 'content-type': 'application/x-weird' }, body: payload });
      expect(res.status).toBe(200);
      expect(upstream.requests[0]!.body.equals(payload)).toBe(true);
      expect(res.body.equals(payload)).toBe(true);
    });

    it('answers 404 for an unknown path under the reserved /_tapes/ prefix instead of forwarding it', async () => {
      const res = await send(`${proxy.url}/_tapes/unknown`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString())).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe('upstream failures before the response', () => {
    it('answers 502 upstream_unreachable when the upstream refuses the connection', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      proxy = await startProxy({ upstream: `http://127.0.0.1:${port}`, databaseUrl: sqlite.url });

      for (const [method, body] of [['GET', undefined], ['POST', turnRequest]] as const) {
        const res = await send(`${proxy.url}/v1/messages`, { method, headers: turnHeaders, body });
        expect(res.status).toBe(502);
        expect(res.headers['content-type']).toBe('application/json');
        expect(JSON.parse(res.body.toString())).toEqual({ error: { code: 'upstream_unreachable', message: expect.stringContaining(`127.0.0.1:${port}`) } });
      }
      expect(metricValue(await metrics(), 'tapes_proxy_requests_total', { status: '502' })).toBe(2);
      expect(await turns()).toHaveLength(0);
    });

    it("answers a HEAD / probe itself, quietly, when the upstream it goes to is not running (Claude Code's start-up probe, no Ollama)", async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      proxy = await startProxy({ upstream: `http://127.0.0.1:${port}`, databaseUrl: sqlite.url });
      const probe = await send(`${proxy.url}/`, { method: 'HEAD' });
      expect(probe.status).toBe(200);
      // Anything else still says the upstream is unreachable.
      expect((await send(`${proxy.url}/`, { method: 'GET' })).status).toBe(502);
      expect(metricValue(await metrics(), 'tapes_proxy_requests_total', { status: '200' })).toBe(1);
      expect(metricValue(await metrics(), 'tapes_proxy_requests_total', { status: '502' })).toBe(1);
    });

    it('answers 504 upstream_timeout when the response headers do not come in time', async () => {
      upstream.handle(() => undefined); // never answers
      proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_UPSTREAM_HEADERS_TIMEOUT: '300ms' } });
      const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body: turnRequest });
      expect(res.status).toBe(504);
      expect(JSON.parse(res.body.toString())).toEqual({ error: { code: 'upstream_timeout', message: expect.any(String) } });
      expect(await turns()).toHaveLength(0);
    });
  });

  describe('a turn endpoint', () => {
    beforeEach(async () => {
      proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_UPSTREAM_IDLE_TIMEOUT: '600ms' } });
    });

    it.each([
      { status: 400, body: '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: required"}}' },
      { status: 429, body: '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}' },
      { status: 529, body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' },
    ])('relays an upstream $status with its headers and body, and stores nothing (upstream_status)', async ({ status, body }) => {
      upstream.handle((_req, res) => res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7', 'request-id': 'req_x' }).end(body));
      const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body: turnRequest });
      expect(res.status).toBe(status);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.headers['request-id']).toBe('req_x');
      expect(res.body.toString()).toBe(body);
      const exposition = await metrics();
      expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total', { reason: 'upstream_status' })).toBe(1);
      expect(metricValue(exposition, 'tapes_proxy_requests_total', { provider: 'anthropic', status: String(status) })).toBe(1);
      expect(await turns()).toHaveLength(0);
    });

    it('relays each streamed frame as it is sent, not buffered', async () => {
      // Lockstep: the upstream sends frame i+1 only once the client holds all of frame i. A proxy
      // that buffered anything would never release frame i and the exchange would hang (the test
      // fails at its timeout). No wall-clock bound: it holds however loaded the machine is (#10).
      const frames = streamFrames.slice(0, 6);
      const clientHas: Array<() => void> = [];
      const received = frames.map((_f, i) => new Promise<void>((resolve) => (clientHas[i] = resolve)));
      const ends = frames.map((_f, i) => frames.slice(0, i + 1).reduce((n, f) => n + f.byteLength, 0));
      upstream.handle(async (_req, res) => {
        sseHead(res);
        for (const [i, frame] of frames.entries()) {
          res.write(frame);
          await received[i];
        }
        res.end();
      });
      let next = 0;
      const res = await send(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: turnHeaders,
        body: turnRequest,
        onChunk: (_chunk, total) => {
          while (next < ends.length && total >= ends[next]!) clientHas[next++]!();
        },
      });
      expect(next).toBe(frames.length);
      expect(res.body.equals(Buffer.concat(frames))).toBe(true);
    });

    it('keeps a slow stream that keeps talking alive past the idle timeout, and records it complete', async () => {
      upstream.handle(async (_req, res) => {
        sseHead(res);
        await writeFrames(res, streamFrames, 60); // the whole stream takes far longer than the 600 ms idle timeout
      });
      const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body: turnRequest });
      expect(res.error).toBeUndefined();
      expect(res.body.equals(streamBody)).toBe(true);
      const [turn] = await eventually(async () => ((await turns()).length === 1 ? turns() : undefined), 'the turn to be stored');
      expect(turn).toMatchObject({ outcome: 'complete', status: 200, provider: 'anthropic' });
    });

    it('cuts a stream that goes silent for longer than the idle timeout, and stores what arrived as partial', async () => {
      upstream.handle(async (_req, res) => {
        sseHead(res);
        res.write(Buffer.concat(streamFrames.slice(0, 3)));
        // then silence, longer than the 600 ms idle timeout
      });
      const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body: turnRequest });
      expect(res.error).toBeDefined();
      expect(res.body.equals(Buffer.concat(streamFrames.slice(0, 3)))).toBe(true);
      const [turn] = await eventually(async () => ((await turns()).length === 1 ? turns() : undefined), 'the partial turn');
      expect(turn!.outcome).toBe('partial');
      expect(turn!.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'interrupted', data: { reason: 'upstream_timeout' } })]));
      expect(Buffer.from(turn!.responseBody!).equals(Buffer.concat(streamFrames.slice(0, 3)))).toBe(true);
    });

    it('aborts the upstream when the client disconnects mid-stream, and stores the partial turn', async () => {
      let upstreamClosedEarly: Promise<boolean> = Promise.resolve(false);
      upstream.handle(async (_req, res) => {
        upstreamClosedEarly = new Promise((resolve) => res.once('close', () => resolve(!res.writableFinished)));
        sseHead(res);
        await writeFrames(res, streamFrames, 100);
      });
      const res = await send(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: turnHeaders,
        body: turnRequest,
        onChunk: (_chunk, received) => received >= streamFrames[0]!.byteLength + streamFrames[1]!.byteLength,
      });
      expect(res.error?.message).toBe('client disconnected on purpose');
      expect(await upstreamClosedEarly).toBe(true);

      const [turn] = await eventually(async () => ((await turns()).length === 1 ? turns() : undefined), 'the partial turn');
      expect(turn!.outcome).toBe('partial');
      expect(turn!.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'interrupted', data: { reason: 'client_disconnect' } })]));
      expect(streamBody.subarray(0, turn!.responseBody!.byteLength).equals(Buffer.from(turn!.responseBody!))).toBe(true);
    });

    it('breaks the client response when the upstream dies mid-stream, and stores the partial turn', async () => {
      upstream.handle(async (_req, res) => {
        sseHead(res);
        res.write(Buffer.concat(streamFrames.slice(0, 4)));
        await new Promise((resolve) => setTimeout(resolve, 50));
        res.socket?.destroy();
      });
      const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: turnHeaders, body: turnRequest });
      expect(res.error).toBeDefined(); // never a response that pretends to be complete
      expect(res.body.equals(Buffer.concat(streamFrames.slice(0, 4)))).toBe(true);
      const [turn] = await eventually(async () => ((await turns()).length === 1 ? turns() : undefined), 'the partial turn');
      expect(turn!.outcome).toBe('partial');
      expect(turn!.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'interrupted', data: { reason: 'upstream_error' } })]));
      // Counted when the proxy hears back from storage, a moment after the row commits.
      await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_turns_delivered_total', { provider: 'anthropic', outcome: 'partial' }) === 1 ? true : undefined));
    });
  });
});
