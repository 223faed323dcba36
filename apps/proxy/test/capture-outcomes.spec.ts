import { openStorage, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, createTestSqlite, MockUpstream, readFixture, send, type TestSqlite, writeFrames } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, readTurns } from './support/stored-turns';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const responseBody = readFixture(fixture.responseFile);
const frames = responseBody
  .toString('utf8')
  .split(/(?<=\n\n)/)
  .map((frame) => Buffer.from(frame, 'utf8'));
const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-test' };

describe('what a captured exchange becomes', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy | undefined;

  beforeAll(async () => {
    upstream = await MockUpstream.start((req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
  });

  beforeEach(async () => {
    upstream.requests.length = 0;
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await store.close();
    sqlite.cleanup();
  });

  afterAll(async () => {
    await upstream.close();
  });

  const storedTurns = () => readTurns(store, { sqliteFile: sqlite.path });

  it('stores a turn whose request is not JSON as unreduced, with its raw bytes and a diagnostic', async () => {
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url });
    const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: '{"model": "claude", "messages": [' });
    expect(res.body.equals(responseBody)).toBe(true);
    const [turn] = await eventually(async () => {
      const turns = await storedTurns();
      return turns.length === 1 ? turns : undefined;
    });
    expect(turn).toMatchObject({ outcome: 'unreduced', headHash: null, nodeCount: 0 });
    expect(Buffer.from(turn!.requestBody!).toString()).toBe('{"model": "claude", "messages": [');
    expect(Buffer.from(turn!.responseBody!).equals(responseBody)).toBe(true);
    expect(turn!.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'parse_error', data: { side: 'request' } })]));
  });

  it('forwards a request body over the capture limit untouched and counts the turn as a request_over_budget drop', async () => {
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_MAX_CAPTURE_BODY_BYTES: '1kb' } });
    const big = JSON.stringify({ ...fixture.request, messages: [{ role: 'user', content: 'x'.repeat(64 * 1024) }] });
    const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: big });
    expect(res.status).toBe(200);
    expect(res.body.equals(responseBody)).toBe(true);
    expect(upstream.requests.at(-1)!.body.toString()).toBe(big);
    const exposition = (await send(`${proxy.url}/_tapes/metrics`)).body.toString();
    expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total', { reason: 'request_over_budget' })).toBe(1);
    expect(metricValue(exposition, 'tapes_proxy_capture_bytes')).toBe(0);
    expect(await storedTurns()).toHaveLength(0);
  });

  it('lets an in-flight stream finish on shutdown and stores its turn before storage closes', async () => {
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_SHUTDOWN_GRACE: '5s' } });
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      await writeFrames(res, frames, 40);
    });
    const response = send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(fixture.request) });
    await eventually(() => (upstream.requests.length > 0 ? true : undefined));
    const closing = proxy.close();
    proxy = undefined;
    const res = await response;
    await closing;
    expect(res.error).toBeUndefined();
    expect(res.body.equals(responseBody)).toBe(true);
    const turns = await storedTurns();
    expect(turns).toHaveLength(1);
    expect(turns[0]!.outcome).toBe('complete');
    upstream.handle((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
  });

  it('cuts a stream that outlives the shutdown grace and still stores what arrived', async () => {
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_SHUTDOWN_GRACE: '300ms' } });
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      await writeFrames(res, frames, 200);
    });
    const response = send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(fixture.request) });
    await eventually(() => (upstream.requests.length > 0 ? true : undefined));
    const closing = proxy.close();
    proxy = undefined;
    const res = await response;
    await closing;
    expect(res.error).toBeDefined();
    const turns = await storedTurns();
    expect(turns).toHaveLength(1);
    expect(turns[0]!.outcome).toBe('partial');
    expect(turns[0]!.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'interrupted', data: { reason: 'shutdown' } })]));
    upstream.handle((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
  });
});
