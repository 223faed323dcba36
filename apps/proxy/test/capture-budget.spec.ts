import { openStorage, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, createTestSqlite, lockSqliteForWrites, readFixture, type TestSqlite } from '@tapes/testing';
import { send } from './support/http-client';
import { MockUpstream } from './support/mock-upstream';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, storedRequestIds } from './support/stored-turns';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const responseBody = readFixture(fixture.responseFile);
const requestBody = JSON.stringify(fixture.request);

describe('the capture byte budget', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
    upstream = await MockUpstream.start((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
    // Room for one turn's bytes, not two.
    const oneTurn = Buffer.byteLength(requestBody) + responseBody.byteLength;
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_CAPTURE_QUEUE_BYTES: String(Math.floor(oneTurn * 1.5)) } });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await store.close();
    sqlite.cleanup();
  });

  it('keeps forwarding while storage is stalled, and counts the turns it cannot hold as capture_budget drops', async () => {
    // Another writer holds SQLite's lock: the storage worker's first write waits its busy timeout,
    // holding that turn's bytes, while more turns arrive.
    const lock = lockSqliteForWrites(sqlite.path);
    try {
      for (let i = 0; i < 5; i++) {
        const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test' }, body: requestBody });
        expect(res.status).toBe(200);
        expect(res.body.equals(responseBody)).toBe(true);
      }
      const exposition = (await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8');
      expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total', { reason: 'capture_budget' })).toBe(4);
      expect(metricValue(exposition, 'tapes_proxy_queue_bytes')).toBeGreaterThan(0);
      expect(metricValue(exposition, 'tapes_proxy_requests_total', { status: '200' })).toBe(5);
    } finally {
      lock.release();
    }
    // The one turn it held is not lost: stored once the lock is gone (or spooled and then stored).
    await eventually(async () => ((await storedRequestIds({ sqliteFile: sqlite.path })).length === 1 ? true : undefined), 'the held turn to be stored');
    // Its bytes are released once the proxy hears back from storage, a moment after the commit.
    await eventually(async () => (metricValue((await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8'), 'tapes_proxy_queue_bytes') === 0 ? true : undefined), 'the budget released');
  });
});
