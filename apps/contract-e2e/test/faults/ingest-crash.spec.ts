import { disposeWorkdirs, ingestProcess, sidecarProcess, type IngestProcess, type SidecarProcess } from '../support/capture-apps';
import { EnvoyClient } from '@tapes/testing/envoy';
import { sidecarProtoPath } from '../support/app-bundles';
import { turnThroughSidecar } from '../support/fault-turns';
import { eventually } from '@tapes/testing';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { Traffic } from '../support/traffic';
import { countTurns, reportCount, storedMarkers, turnMarker } from '../support/turn-accounting';

/**
 * Fault scenario: ingest is killed (SIGKILL: no drain, requests cut mid-flight) under sidecar
 * traffic and started again on the same port. Envoy must be answered at once throughout; a turn
 * whose POST was cut is retried, spooled meanwhile, and stored exactly once (request_id keeps a
 * retry of a turn ingest had committed before dying from becoming a second row).
 */

const SCENARIO = 'ingest killed (SIGKILL) and restarted under sidecar traffic';
const TURNS = 50;

let database: SiteDatabase;
let ingest: IngestProcess;
let sidecar: SidecarProcess;
let envoy: EnvoyClient;

beforeAll(async () => {
  database = await SiteDatabase.create('postgresql');
  ingest = await ingestProcess({ databaseUrl: database.url });
  sidecar = await sidecarProcess({ ingestUrl: ingest.url });
  await ingest.start();
  await sidecar.start();
  envoy = new EnvoyClient(sidecar.grpcPort, sidecarProtoPath());
}, 60_000);

afterAll(async () => {
  envoy?.close();
  await sidecar?.stop();
  await ingest?.stop();
  await database?.dispose();
  await disposeWorkdirs();
});

it('answers Envoy throughout, then stores every turn exactly once after ingest is back', async () => {
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker('ingest-kill', i));
  // Paced so that ingest's restart (a couple of seconds) happens while traffic still flows.
  const traffic = new Traffic(TURNS, { concurrency: 2, intervalMs: 50 }, (i) => turnThroughSidecar(envoy, markers[i]!, `ingest-kill-${i}`));
  const crash = (async () => {
    await traffic.reached(12);
    await ingest.kill();
    await traffic.reached(20);
    await ingest.start();
  })();
  await Promise.all([traffic.run(), crash]);
  expect(traffic.failures).toEqual([]);

  const dropped = async () => metricByLabel(await sidecar.metrics(), 'tapes_extproc_turns_dropped_total', 'reason');
  await eventually(
    'every turn delivered or dropped, and the journal empty',
    async () => {
      const settled = (await storedMarkers(database, markers)).size + Object.values(await dropped()).reduce((a, b) => a + b, 0);
      return settled === TURNS && metricValue(await sidecar.metrics(), 'tapes_extproc_spool_depth') === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, describe: async () => `${(await storedMarkers(database, markers)).size} stored, drops ${JSON.stringify(await dropped())}` },
  );

  const metrics = await sidecar.metrics();
  const spooled = metricValue(metrics, 'tapes_extproc_turns_backlogged_total');
  const retried = metricValue(metrics, 'tapes_extproc_delivery_attempts_total') - metricValue(metrics, 'tapes_extproc_turns_captured_total');
  const count = await countTurns(SCENARIO, database, markers, await dropped());
  reportCount(count, `${SCENARIO}: ${spooled} turns backlogged, ${retried} extra delivery attempts`);
  expect(spooled + retried).toBeGreaterThan(0);
  expect(count).toMatchObject({ sent: TURNS, stored: TURNS, dropped: {}, unexplained: 0, duplicates: 0 });
  expect(count.ledger).toEqual({ rows: TURNS, distinctRequestIds: TURNS, distinctRequestBodies: TURNS });
}, 120_000);
