import { disposeWorkdirs, ingestProcess, sidecarProcess, type IngestProcess, type SidecarProcess } from '../support/capture-apps';
import { EnvoyClient } from '@tapes/testing/envoy';
import { sidecarProtoPath } from '../support/app-bundles';
import { turnThroughSidecar } from '../support/fault-turns';
import { eventually } from '@tapes/testing';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { journalDepth } from '../support/journal-depth';
import { Traffic } from '../support/traffic';
import { addDrops, countTurns, reportCount, storedMarkers, turnMarker } from '../support/turn-accounting';

/**
 * Fault scenario: the sidecar crashes (SIGKILL) with turns in its journal. Ingest is down while
 * Envoy reports exchanges; once every turn is on disk the sidecar is killed, ingest comes back,
 * and a new sidecar process on the same journal directory must deliver them all, once each.
 */

const SCENARIO = 'sidecar killed (SIGKILL) and restarted with turns waiting in its journal';
const TURNS = 20;

let database: SiteDatabase;
let ingest: IngestProcess;
let sidecar: SidecarProcess;
let envoy: EnvoyClient | undefined;

beforeAll(async () => {
  database = await SiteDatabase.create('postgresql');
  ingest = await ingestProcess({ databaseUrl: database.url });
  sidecar = await sidecarProcess({ ingestUrl: ingest.url });
  // Ingest starts once (to create and migrate its database), then goes away for the traffic.
  await ingest.start();
  await ingest.stop();
  await sidecar.start();
}, 60_000);

afterAll(async () => {
  envoy?.close();
  await sidecar?.stop();
  await ingest?.stop();
  await database?.dispose();
  await disposeWorkdirs();
});

it('delivers the spool a crashed sidecar left, each turn exactly once', async () => {
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker('sidecar-restart', i));
  const dropped: Record<string, number> = {};
  envoy = new EnvoyClient(sidecar.grpcPort, sidecarProtoPath());

  const traffic = new Traffic(TURNS, { concurrency: 4, intervalMs: 0 }, (i) => turnThroughSidecar(envoy!, markers[i]!, `sidecar-restart-${i}`));
  await traffic.run();
  expect(traffic.failures).toEqual([]);
  await eventually('every turn waiting in the journal or dropped while ingest is down', async () => {
    const metrics = await sidecar.metrics();
    const drops = metricByLabel(metrics, 'tapes_extproc_turns_dropped_total', 'reason');
    return metricValue(metrics, 'tapes_extproc_turns_backlogged_total') + Object.values(drops).reduce((a, b) => a + b, 0) === TURNS ? drops : undefined;
  }).then((drops) => addDrops(dropped, drops));
  envoy.close();
  envoy = undefined;
  await sidecar.kill();

  const left = await journalDepth(sidecar.spoolDir);
  expect(left).toBe(TURNS - Object.values(dropped).reduce((a, b) => a + b, 0));
  await ingest.start();
  await sidecar.start();
  await eventually('the turns the crashed process left in its journal to be stored', async () => ((await storedMarkers(database, markers)).size === left ? true : undefined), {
    timeoutMs: 60_000,
    describe: async () => `${(await storedMarkers(database, markers)).size} of ${left} stored`,
  });
  await eventually('the journal to be empty', async () => (metricValue(await sidecar.metrics(), 'tapes_extproc_spool_depth') === 0 ? true : undefined));
  const metrics = await sidecar.metrics();
  addDrops(dropped, metricByLabel(metrics, 'tapes_extproc_turns_dropped_total', 'reason'));

  const count = await countTurns(SCENARIO, database, markers, dropped);
  reportCount(count, `${SCENARIO}: ${left} turns waited in the journal, ${metricValue(metrics, 'tapes_extproc_turns_delivered_total', { via: 'backlog' })} delivered from it`);
  expect(count).toMatchObject({ sent: TURNS, stored: TURNS, dropped: {}, unexplained: 0, duplicates: 0 });
  expect(count.ledger).toEqual({ rows: TURNS, distinctRequestIds: TURNS, distinctRequestBodies: TURNS });
}, 120_000);
