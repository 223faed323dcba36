import { disposeWorkdirs, proxyProcess, type ProxyProcess } from '../support/capture-apps';
import { serveFaultTurn, turnThroughProxy } from '../support/fault-turns';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { StorageLink } from '../support/storage-link';
import { Traffic } from '../support/traffic';
import { countTurns, reportCount, storedMarkers, turnMarker } from '../support/turn-accounting';
import { eventually, MockUpstream } from '@tapes/testing';

/**
 * Fault scenario: PostgreSQL stops and comes back while agents keep talking through the proxy.
 * The proxy reaches its database through a StorageLink (a TCP proxy): `cut()` resets its
 * connections and refuses new ones, as a stopped server does, while the test still reads the
 * database directly.
 * Every agent request must succeed unchanged; every turn must end stored (spooled meanwhile).
 */

const SCENARIO = 'storage stopped and restarted under proxy traffic';
const TURNS = 40;

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

it('forwards every turn unchanged through the outage and stores each exactly once afterwards', async () => {
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker('storage', i));
  const traffic = new Traffic(TURNS, { concurrency: 2, intervalMs: 25 }, (i) => turnThroughProxy(proxy, markers[i]!));
  const outage = (async () => {
    await traffic.reached(10);
    await storage.cut();
    await traffic.reached(28);
    await storage.restore();
  })();
  await Promise.all([traffic.run(), outage]);
  expect(traffic.failures).toEqual([]);

  const dropped = async () => metricByLabel(await proxy.metrics(), 'tapes_proxy_turns_dropped_total', 'reason');
  await eventually(
    'every turn stored or dropped, and the journal empty',
    async () => {
      const metrics = await proxy.metrics();
      const settled = (await storedMarkers(database, markers)).size + Object.values(await dropped()).reduce((a, b) => a + b, 0);
      return settled === TURNS && metricValue(metrics, 'tapes_proxy_spool_depth') === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, describe: async () => `${(await storedMarkers(database, markers)).size} stored, drops ${JSON.stringify(await dropped())}` },
  );

  const metrics = await proxy.metrics();
  const spooled = metricValue(metrics, 'tapes_proxy_turns_backlogged_total');
  const count = await countTurns(SCENARIO, database, markers, await dropped());
  reportCount(count, `${SCENARIO}: ${spooled} turns waited in the journal`);
  // The outage really happened mid-traffic: turns waited in the journal, and the agents never noticed.
  expect(spooled).toBeGreaterThan(0);
  expect(count).toMatchObject({ sent: TURNS, stored: TURNS, dropped: {}, unexplained: 0, duplicates: 0 });
  expect(count.ledger).toEqual({ rows: TURNS, distinctRequestIds: TURNS, distinctRequestBodies: TURNS });
}, 120_000);
