import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStorage, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, createTestPostgres, MockUpstream, readFixture, send, takePostgresOffline, type TestPostgres } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, storedRequestIds } from './support/stored-turns';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_tool_use')!;
const responseBody = readFixture(fixture.responseFile);

/** N distinct streamed turns (distinct prompts, so each stores its own nodes). */
function turnRequest(i: number): string {
  return JSON.stringify({ ...fixture.request, messages: [{ role: 'user', content: `outage turn ${i}` }] });
}

describe('storage outage (real PostgreSQL)', () => {
  let pg: TestPostgres;
  let reader: TurnStore;
  let upstream: MockUpstream;
  let dataDir: string;
  let proxy: RunningProxy | undefined;

  beforeAll(async () => {
    pg = await createTestPostgres();
    reader = await openStorage({ url: pg.url });
    upstream = await MockUpstream.start(async (_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType });
      const half = Math.floor(responseBody.byteLength / 2);
      res.write(responseBody.subarray(0, half));
      await new Promise((resolve) => setTimeout(resolve, 5));
      res.end(responseBody.subarray(half));
    });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'tapes-proxy-outage-'));
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  afterAll(async () => {
    await upstream.close();
    await reader.close();
    await pg.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function sendTurns(from: number, count: number): Promise<void> {
    for (let i = from; i < from + count; i++) {
      const res = await send(`${proxy!.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
        body: turnRequest(i),
      });
      // Every client request succeeds unchanged while storage is down.
      expect(res.status).toBe(200);
      expect(res.error).toBeUndefined();
      expect(res.body.equals(responseBody)).toBe(true);
    }
  }

  async function metrics(): Promise<string> {
    return (await send(`${proxy!.url}/_tapes/metrics`)).body.toString('utf8');
  }

  async function storedCount(): Promise<number> {
    return (await storedRequestIds({ postgresUrl: pg.url })).length;
  }

  it('forwards every turn while PostgreSQL is offline, keeps them in the journal, and stores them all once it is back', async () => {
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: pg.url, dataDir });
    const outage = await takePostgresOffline(pg.url);
    try {
      await sendTurns(0, 5);
      await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_spool_depth') === 5 && metricValue(await metrics(), 'tapes_proxy_turns_backlogged_total') === 5 ? true : undefined), 'five turns waiting in the journal');
      const health = JSON.parse((await send(`${proxy.url}/_tapes/health`)).body.toString('utf8'));
      expect(health).toMatchObject({ status: 'ok', info: { capture: { status: 'up', storage: 'down', journal: 'ok', waiting: 5 } } });
      expect((await send(`${proxy.url}/_tapes/health/storage`)).status).toBe(503);
    } finally {
      await outage.restore();
    }

    await eventually(async () => ((await storedCount()) === 5 ? true : undefined), 'all five turns stored after the outage');
    // A turn leaves the journal just after the store commits: wait for that to settle.
    await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_spool_depth') === 0 ? true : undefined), 'the journal emptied');
    const exposition = await metrics();
    expect(metricValue(exposition, 'tapes_proxy_turns_backlogged_total')).toBe(5);
    expect(metricValue(exposition, 'tapes_proxy_turns_delivered_total', { via: 'backlog', result: 'stored' })).toBe(5);
    expect(metricValue(exposition, 'tapes_proxy_spool_depth')).toBe(0);
    expect(metricValue(exposition, 'tapes_proxy_turns_dropped_total', { reason: 'spool_full' })).toBe(0);
    expect((await reader.counts()).turns).toBe(5);
  });

  it('stores what the journal holds after a restart of the proxy', async () => {
    const storedBefore = await storedCount();
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: pg.url, dataDir });
    const outage = await takePostgresOffline(pg.url);
    try {
      await sendTurns(100, 3);
      await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_spool_depth') === 3 ? true : undefined), 'three turns waiting in the journal');
      await proxy.close(); // SIGTERM's path: storage is away, so the turns stay in the journal
      proxy = undefined;
    } finally {
      await outage.restore();
    }
    expect(await storedCount()).toBe(storedBefore);

    proxy = await startProxy({ upstream: upstream.url, databaseUrl: pg.url, dataDir });
    await eventually(async () => ((await storedCount()) === storedBefore + 3 ? true : undefined), 'the journaled turns to arrive after the restart');
    await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_spool_depth') === 0 ? true : undefined), 'the journal emptied');
  });

  it('starts and forwards while the database is unreachable at start-up, and stores the turns once it answers', async () => {
    const storedBefore = await storedCount();
    const outage = await takePostgresOffline(pg.url);
    try {
      proxy = await startProxy({ upstream: upstream.url, databaseUrl: pg.url, dataDir });
      await sendTurns(200, 2);
      await eventually(async () => (metricValue(await metrics(), 'tapes_proxy_spool_depth') === 2 ? true : undefined), 'two turns waiting in the journal');
      expect((await send(`${proxy.url}/_tapes/health/storage`)).status).toBe(503);
    } finally {
      await outage.restore();
    }
    await eventually(async () => ((await storedCount()) === storedBefore + 2 ? true : undefined), 'the turns captured before storage opened');
    expect((await send(`${proxy.url}/_tapes/health/storage`)).status).toBe(200);
  });
});
