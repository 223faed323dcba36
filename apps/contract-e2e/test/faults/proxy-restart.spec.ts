import path from 'node:path';
import { disposeWorkdirs, proxyProcess, type ProxyProcess } from '../support/capture-apps';
import { serveFaultTurn, turnThroughProxy } from '../support/fault-turns';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { StorageLink } from '../support/storage-link';
import { journalDepth } from '../support/journal-depth';
import { Traffic } from '../support/traffic';
import { addDrops, countTurns, reportCount, storedMarkers, turnMarker } from '../support/turn-accounting';
import { eventually, MockUpstream } from '@tapes/testing';

/**
 * Fault scenario: the proxy is restarted with turns waiting in its journal. Storage is down while agents
 * send turns; the proxy is stopped (SIGTERM, as an operator or a laptop's shutdown does) the
 * moment the last agent has its answer, so shutdown itself must move what is still queued into the
 * spool. Storage comes back while the proxy is down; the new process must deliver the spool.
 */

const SCENARIO = 'proxy restarted (SIGTERM) with turns waiting in its journal';
const TURNS = 20;

let database: SiteDatabase;
let storage: StorageLink;
let upstream: MockUpstream;
let proxy: ProxyProcess;

beforeAll(async () => {
  database = await SiteDatabase.create('postgresql');
  storage = await StorageLink.open(database.url);
  upstream = await MockUpstream.start(serveFaultTurn);
  proxy = await proxyProcess({ upstream: upstream.url, databaseUrl: storage.url });
  await proxy.start();
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
  await storage?.close();
  await database?.dispose();
  await disposeWorkdirs();
});

it('keeps every turn across the restart and stores each exactly once when storage is back', async () => {
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker('proxy-restart', i));
  const dropped: Record<string, number> = {};

  await storage.cut();
  const traffic = new Traffic(TURNS, { concurrency: 4, intervalMs: 0 }, (i) => turnThroughProxy(proxy, markers[i]!));
  await traffic.run();
  expect(traffic.failures).toEqual([]);
  // The last scrape of this process: drops counted before the stop (its counters die with it).
  addDrops(dropped, metricByLabel(await proxy.metrics(), 'tapes_proxy_turns_dropped_total', 'reason'));
  // A stop that was asked for and went well exits 0 (#10: `nx serve` then ends quietly on Ctrl-C).
  expect(await proxy.stop()).toBe(0);

  await storage.restore();
  const left = await journalDepth(path.join(proxy.dataDir, 'journal'));
  expect((await storedMarkers(database, markers)).size).toBe(0);
  expect(left).toBe(TURNS - Object.values(dropped).reduce((a, b) => a + b, 0));

  await proxy.start();
  await eventually('the turns the previous process left in its journal to be stored', async () => ((await storedMarkers(database, markers)).size === left ? true : undefined), {
    timeoutMs: 60_000,
    describe: async () => `${(await storedMarkers(database, markers)).size} of ${left} stored`,
  });
  await eventually('the journal to be empty', async () => (metricValue(await proxy.metrics(), 'tapes_proxy_spool_depth') === 0 ? true : undefined));
  addDrops(dropped, metricByLabel(await proxy.metrics(), 'tapes_proxy_turns_dropped_total', 'reason'));

  const count = await countTurns(SCENARIO, database, markers, dropped);
  reportCount(count, `${SCENARIO}: ${left} turns waited in the journal across the restart`);
  expect(count).toMatchObject({ sent: TURNS, stored: TURNS, dropped: {}, unexplained: 0, duplicates: 0 });
  expect(count.ledger).toEqual({ rows: TURNS, distinctRequestIds: TURNS, distinctRequestBodies: TURNS });
}, 120_000);
