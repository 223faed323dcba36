import { readdirSync } from 'node:fs';
import path from 'node:path';
import { bundlePath, sidecarProtoPath } from '../support/app-bundles';
import { disposeWorkdirs, ingestProcess, sidecarProcess, type IngestProcess, type SidecarProcess } from '../support/capture-apps';
import { EnvoyClient } from '@tapes/testing/envoy';
import { FAULT_AGENT, turnThroughSidecar } from '../support/fault-turns';
import { eventually } from '@tapes/testing';
import { metricByLabel, metricValue } from '../support/prometheus';
import { ReplicaBalancer, type HeldAnswer, type ReplicaCounts } from '../support/replica-balancer';
import { SiteDatabase } from '../support/site-database';
import { Traffic } from '../support/traffic';
import { addDrops, countTurns, reportCount, storedMarkers, turnMarker } from '../support/turn-accounting';

/**
 * Fault scenarios of the cloud path past one machine (issue #18): three ingest processes on ONE
 * PostgreSQL database behind one Service address (support/replica-balancer: per-request round
 * robin), two sidecars posting to it concurrently, Envoy played against both. Each scenario closes
 * with the ledger: sent = stored + dropped(reason, from both sidecars' /metrics), 0 duplicates,
 * 0 unexplained.
 *
 *  (a) one replica is SIGKILLed right after it committed a turn and before its answer reached the
 *      sidecar (the balancer holds that answer, the test kills the replica, the answer is never
 *      relayed), then started again while traffic flows: the sidecar's retry lands on another
 *      replica, which must answer "already stored", never store it twice;
 *  (b) the three replicas start at once on an EMPTY database while the sidecars already hold turns:
 *      every replica comes up, the migrations are applied once (one transaction: the runner holds a
 *      transaction-scoped advisory lock), and every turn is stored once.
 *
 * Nothing waits for a duration: faults are placed at points of the traffic (`reached`, gates) and
 * outcomes are polled with `eventually`, so a loaded machine is slower, not different.
 */

const REPLICAS = 3;
const SIDECARS = 2;
const TURNS = 60;
/** The replica the kill scenario takes down. */
const VICTIM = 1;

/** Everything one scenario runs, torn down by `stopAll`. */
interface Cluster {
  database: SiteDatabase;
  replicas: IngestProcess[];
  balancer: ReplicaBalancer;
  sidecars: SidecarProcess[];
  envoys: EnvoyClient[];
}

let cluster: Cluster | undefined;

async function createCluster(): Promise<Cluster> {
  const database = await SiteDatabase.create('postgresql');
  const replicas: IngestProcess[] = [];
  for (let r = 0; r < REPLICAS; r++) replicas.push(await ingestProcess({ label: `ingest replica ${r}`, databaseUrl: database.url }));
  const balancer = await ReplicaBalancer.start(replicas.map((r) => r.url));
  const sidecars: SidecarProcess[] = [];
  for (let s = 0; s < SIDECARS; s++) sidecars.push(await sidecarProcess({ label: `sidecar ${s}`, ingestUrl: balancer.url }));
  cluster = { database, replicas, balancer, sidecars, envoys: [] };
  return cluster;
}

afterEach(async () => {
  const c = cluster;
  cluster = undefined;
  if (!c) return;
  for (const envoy of c.envoys) envoy.close();
  await Promise.all(c.sidecars.map((s) => s.stop()));
  await Promise.all(c.replicas.map((r) => r.stop()));
  await c.balancer.close();
  await c.database.dispose();
});

afterAll(() => disposeWorkdirs());

/** Starts the sidecars and one Envoy client each. */
async function startSidecars(c: Cluster): Promise<void> {
  await Promise.all(c.sidecars.map((s) => s.start(120_000)));
  c.envoys.push(...c.sidecars.map((s) => new EnvoyClient(s.grpcPort, sidecarProtoPath())));
}

/** Turn `i` goes through sidecar i mod 2: both sidecars post concurrently. */
function sidecarTraffic(c: Cluster, scenario: string, gate: (i: number) => Promise<void>): { traffic: Traffic; markers: string[] } {
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker(scenario, i));
  const traffic = new Traffic(TURNS, { concurrency: 4, intervalMs: 30 }, async (i) => {
    await gate(i);
    await turnThroughSidecar(c.envoys[i % SIDECARS]!, markers[i]!, `${scenario}-${i}`);
  });
  return { traffic, markers };
}

/** Both sidecars' drop counters by reason (neither restarts, so one scrape each is the whole count). */
async function sidecarDrops(c: Cluster): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const s of c.sidecars) addDrops(total, metricByLabel(await s.metrics(), 'tapes_extproc_turns_dropped_total', 'reason'));
  return total;
}

async function sidecarSum(c: Cluster, metric: string): Promise<number> {
  let sum = 0;
  for (const s of c.sidecars) sum += metricValue(await s.metrics(), metric);
  return sum;
}

/** Waits until every turn is stored or dropped and both journals are empty. */
async function settle(c: Cluster, markers: readonly string[]): Promise<void> {
  await eventually(
    'every turn stored or dropped, and both sidecar journals empty',
    async () => {
      const stored = (await storedMarkers(c.database, markers)).size;
      const dropped = Object.values(await sidecarDrops(c)).reduce((a, b) => a + b, 0);
      return stored + dropped === markers.length && (await sidecarSum(c, 'tapes_extproc_spool_depth')) === 0 ? true : undefined;
    },
    {
      timeoutMs: 180_000,
      intervalMs: 200,
      describe: async () => `${(await storedMarkers(c.database, markers)).size} stored, drops ${JSON.stringify(await sidecarDrops(c))}, balancer ${JSON.stringify(c.balancer.counts())}`,
    },
  );
}

/** `replica 0: 21 new + 1 already stored, …` for the ledger's detail line. */
function distribution(counts: readonly ReplicaCounts[]): string {
  return counts.map((n, r) => `replica ${r}: ${n.accepted} new + ${n.duplicate} already stored${n.cut ? `, ${n.cut} cut` : ''}${n.refused ? `, ${n.refused} refused` : ''}`).join('; ');
}

/** Error or fatal lines a replica logged (JSON logs: pino levels 50 and 60). */
function errorLines(replica: IngestProcess): string[] {
  return replica.recentOutput.split('\n').filter((line) => /"level":(50|60)\b/.test(line));
}

it('(a) stores every turn once when a replica is SIGKILLed after committing a turn it never answered, and restarted under traffic', async () => {
  const scenario = 'replicas-kill';
  const c = await createCluster();
  await Promise.all(c.replicas.map((r) => r.start(120_000)));
  await startSidecars(c);

  let restarted!: () => void;
  const replicaBack = new Promise<void>((resolve) => (restarted = resolve));
  // The last quarter of the turns waits for the restarted replica, so some are posted to it.
  const { traffic, markers } = sidecarTraffic(c, scenario, (i) => (i >= (TURNS * 3) / 4 ? replicaBack : Promise.resolve()));
  let held: HeldAnswer | undefined;
  let countsAtRestart: ReplicaCounts[] = [];
  const fault = (async () => {
    await traffic.reached(TURNS / 4);
    held = await c.balancer.holdNextAnswer(VICTIM);
    await c.replicas[VICTIM]!.kill();
    held.cut();
    await traffic.reached(TURNS / 2);
    await c.replicas[VICTIM]!.start(120_000);
    countsAtRestart = c.balancer.counts();
    restarted();
  })();
  await Promise.all([traffic.run(), fault]);
  expect(traffic.failures).toEqual([]); // Envoy was answered throughout
  await settle(c, markers);

  const counts = c.balancer.counts();
  const count = await countTurns(`3 ingest replicas on one PostgreSQL, one SIGKILLed after a commit and restarted (2 sidecars, round robin)`, c.database, markers, await sidecarDrops(c));
  const retried = (await sidecarSum(c, 'tapes_extproc_delivery_attempts_total')) - (await sidecarSum(c, 'tapes_extproc_turns_captured_total'));
  reportCount(count, `${count.scenario}: ${distribution(counts)}; ${retried} extra delivery attempts`);

  // The fault happened as intended: the killed replica had committed the held turn (202)…
  expect(held?.status).toBe(202);
  expect(held?.requestId).toBeDefined();
  // …its retry went to a replica that found it stored, and it is there once.
  expect(counts.reduce((sum, n) => sum + n.duplicate, 0)).toBeGreaterThanOrEqual(1);
  expect((await c.database.requestIdsOfAgent(FAULT_AGENT)).filter((id) => id === held?.requestId)).toHaveLength(1);
  // Every replica stored turns, and the restarted one stored more after coming back.
  for (const n of counts) expect(n.accepted).toBeGreaterThan(0);
  expect(counts[VICTIM]!.accepted + counts[VICTIM]!.duplicate).toBeGreaterThan(countsAtRestart[VICTIM]!.accepted + countsAtRestart[VICTIM]!.duplicate);
  expect(count).toMatchObject({ sent: TURNS, stored: TURNS, dropped: {}, unexplained: 0, duplicates: 0 });
  expect(count.ledger).toEqual({ rows: TURNS, distinctRequestIds: TURNS, distinctRequestBodies: TURNS });
  for (const replica of c.replicas) expect([replica.label, errorLines(replica)]).toEqual([replica.label, []]);
}, 420_000);

it('(b) starts three replicas at once on an empty database while sidecars hold turns: migrations applied once, every turn stored once', async () => {
  const scenario = 'replicas-cold';
  const c = await createCluster();
  await expect(c.database.migrationRows()).rejects.toThrow(/does not exist/); // empty: not even the history table
  await startSidecars(c);

  let up!: () => void;
  const replicasUp = new Promise<void>((resolve) => (up = resolve));
  // The second half of the turns waits until the replicas are up, so traffic spans their start.
  const { traffic, markers } = sidecarTraffic(c, scenario, (i) => (i >= TURNS / 2 ? replicasUp : Promise.resolve()));
  let starts: PromiseSettledResult<void>[] = [];
  const coldStart = (async () => {
    // Some turns are already waiting in the sidecars' journals: no replica existed to take them.
    await eventually('a turn to wait in a sidecar journal while no replica runs', async () => ((await sidecarSum(c, 'tapes_extproc_turns_backlogged_total')) > 0 ? true : undefined), {
      timeoutMs: 120_000,
    });
    // All three spawn in the same tick (start() spawns before its first await), so they migrate concurrently.
    starts = await Promise.allSettled(c.replicas.map((r) => r.start(180_000)));
    up();
  })();
  await Promise.all([traffic.run(), coldStart]);
  expect(starts.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ready'))).toEqual(c.replicas.map(() => 'ready'));
  expect(traffic.failures).toEqual([]);
  await settle(c, markers);

  // Each migration the replicas ship is recorded once, finished, by one transaction (one start time).
  const shipped = readdirSync(path.join(path.dirname(bundlePath('ingest')), 'prisma', 'pg', 'migrations'))
    .filter((name) => /^\d{14}_/.test(name))
    .sort();
  const history = await c.database.migrationRows();
  expect(history.map((m) => m.name)).toEqual(shipped);
  expect(history.filter((m) => !m.finished || m.rolledBack)).toEqual([]);
  expect(new Set(history.map((m) => m.startedAt)).size).toBe(1);

  const counts = c.balancer.counts();
  const backlogged = await sidecarSum(c, 'tapes_extproc_turns_backlogged_total');
  const count = await countTurns(`3 ingest replicas started at once on an empty PostgreSQL under traffic (2 sidecars, round robin)`, c.database, markers, await sidecarDrops(c));
  reportCount(count, `${count.scenario}: ${distribution(counts)}; ${c.balancer.noReplica} posts answered 503 before any replica ran, ${backlogged} turns waited in a journal; ${history.length} migrations, each applied once`);

  expect(c.balancer.noReplica).toBeGreaterThan(0);
  for (const n of counts) expect(n.accepted).toBeGreaterThan(0);
  expect(count).toMatchObject({ sent: TURNS, stored: TURNS, dropped: {}, unexplained: 0, duplicates: 0 });
  expect(count.ledger).toEqual({ rows: TURNS, distinctRequestIds: TURNS, distinctRequestBodies: TURNS });
  for (const replica of c.replicas) expect([replica.label, errorLines(replica)]).toEqual([replica.label, []]);
}, 420_000);
