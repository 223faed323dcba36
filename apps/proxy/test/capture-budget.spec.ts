import { openStorage, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, createTestSqlite, lockSqliteForWrites, MockUpstream, readFixture, send, type TestSqlite } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, readTurns, storedRequestIds } from './support/stored-turns';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const responseBody = readFixture(fixture.responseFile);
const requestBody = JSON.stringify(fixture.request);
const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-test' };
const oneTurn = Buffer.byteLength(requestBody) + responseBody.byteLength;

describe('the capture byte budget', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
    upstream = await MockUpstream.start((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
    // Room for one turn's bytes in flight, not two.
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_CAPTURE_QUEUE_BYTES: String(Math.floor(oneTurn * 1.5)) } });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await store.close();
    sqlite.cleanup();
  });

  async function metrics(): Promise<string> {
    return (await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8');
  }

  it('keeps every turn while storage is stalled — in the journal, not in memory — and stores them all once it is back', async () => {
    // Another writer holds SQLite's lock: the storage worker's writes wait while more turns arrive.
    const before = (await storedRequestIds({ sqliteFile: sqlite.path })).length;
    const lock = lockSqliteForWrites(sqlite.path);
    try {
      for (let i = 0; i < 5; i++) {
        const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: requestBody });
        expect(res.status).toBe(200);
        expect(res.body.equals(responseBody)).toBe(true);
      }
      const exposition = await metrics();
      expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total')).toBe(0);
      expect(metricValue(exposition, 'tapes_proxy_turns_captured_total')).toBe(5);
      // Memory stays within the budget although five turns wait: the journal holds them.
      expect(metricValue(exposition, 'tapes_proxy_capture_bytes')).toBeLessThanOrEqual(Math.floor(oneTurn * 1.5));
      expect(metricValue(exposition, 'tapes_proxy_spool_depth')).toBeGreaterThan(0);
    } finally {
      lock.release();
    }
    await eventually(async () => ((await storedRequestIds({ sqliteFile: sqlite.path })).length === before + 5 ? true : undefined), 'the five turns to be stored');
    await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_capture_bytes') === 0 ? true : undefined), 'the budget released');
    await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_spool_depth') === 0 ? true : undefined), 'the journal emptied');
  });

  it('drops a capture the budget cannot hold while others are in flight (capture_budget), and forwards it untouched', async () => {
    // Two streams in flight at once, each holding its bytes until it ends: the second cannot fit.
    let releaseSecondHalves!: () => void;
    const halves = new Promise<void>((resolve) => (releaseSecondHalves = resolve));
    const half = Math.floor(responseBody.byteLength / 2);
    let started = 0;
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      res.write(responseBody.subarray(0, half));
      started += 1;
      await halves;
      res.end(responseBody.subarray(half));
    });
    const dropsBefore = metricValue(await metrics(), 'tapes_proxy_turns_dropped_total', { reason: 'capture_budget' });
    const both = [0, 1].map(() => send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: requestBody }));
    await eventually(() => (started === 2 ? true : undefined), 'both streams to start');
    releaseSecondHalves();
    for (const res of await Promise.all(both)) {
      expect(res.status).toBe(200);
      expect(res.body.equals(responseBody)).toBe(true);
    }
    expect(metricValue(await metrics(), 'tapes_proxy_turns_dropped_total', { reason: 'capture_budget' })).toBe(dropsBefore + 1);
    upstream.handle((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
  });
});

describe('big turns under the default 64 MiB budget (#12)', () => {
  const MiB = 1024 * 1024;
  const reply = (text: string) => Buffer.from(JSON.stringify({ id: 'msg_big', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } }));
  const big = reply('x'.repeat(20 * MiB));
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
    upstream = await MockUpstream.start(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) });
      for (let at = 0; at < big.length; at += 256 * 1024) {
        res.write(big.subarray(at, at + 256 * 1024));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await store.close();
    sqlite.cleanup();
  });

  it('admits 20 MB replies whole while they fit (three of ten at once), drops the rest at once, and stores each admitted one — a 20 MB node included', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1, messages: [{ role: 'user', content: `big ${i}` }] }) })),
    );
    for (const res of answers) expect(res.body.equals(big)).toBe(true);
    let exposition = '';
    const stored = await eventually(async () => {
      exposition = (await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8');
      const turns = await readTurns(store, { sqliteFile: sqlite.path });
      return turns.length + metricValue(exposition, 'tapes_proxy_turns_dropped_total') === 10 ? turns : undefined;
    }, 'every turn stored or dropped');
    // Each reserves its Content-Length when its response starts: 3 × 20 MB fit in 64 MiB, a 4th
    // only once one of them has been journaled.
    expect(stored.length).toBeGreaterThanOrEqual(3);
    expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total', { reason: 'capture_budget' })).toBe(10 - stored.length);
    expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total', { reason: 'storage_reject' })).toBe(0);
    for (const turn of stored) {
      expect(turn.outcome).toBe('complete');
      expect(Buffer.from(turn.responseBody!).equals(big)).toBe(true);
    }
  });
});
