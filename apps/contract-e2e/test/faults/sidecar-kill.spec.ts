import { disposeWorkdirs, ingestProcess, sidecarProcess, type IngestProcess, type SidecarProcess } from '../support/capture-apps';
import { crashLedger, reportCrashLedger, type ClientFate } from '../support/crash-ledger';
import { eventually, pieces } from '@tapes/testing';
import { EnvoyClient, envoySequence } from '@tapes/testing/envoy';
import { sidecarProtoPath } from '../support/app-bundles';
import { FAULT_AGENT, FAULT_CONTENT_TYPE, FAULT_PATH, FAULT_RESPONSE, faultRequest } from '../support/fault-turns';
import { seededRandom } from '../support/seeded-random';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { storedMarkers, turnMarker } from '../support/turn-accounting';

/**
 * Fault scenario (issue #12): the sidecar is killed (SIGKILL) while Envoy streams 100 exchanges
 * through it in normal mode, at a random point of the traffic, and started again on the same
 * journal directory; ingest (PostgreSQL) stays up. An exchange is "completed to the client" when
 * the reply to its last message arrived: only then does Envoy pass the end of the response on. The
 * sidecar writes that reply after the turn's journal write, so every such turn must be stored once
 * the new process has delivered its journal; every exchange the kill cut after its response began
 * is stored or counted (`process_crash`).
 */

const SCENARIO = 'sidecar killed (SIGKILL) under 100 streaming exchanges';
const TURNS = 100;
const FRAMES = 10;
const FRAME_GAP_MS = 15;
const STAGGER_MS = 8;

let database: SiteDatabase;
let ingest: IngestProcess;
let sidecar: SidecarProcess;
let envoy: EnvoyClient | undefined;

beforeAll(async () => {
  database = await SiteDatabase.create('postgresql');
  ingest = await ingestProcess({ databaseUrl: database.url });
  sidecar = await sidecarProcess({ ingestUrl: ingest.url });
  await ingest.start();
  await sidecar.start();
}, 60_000);

afterAll(async () => {
  envoy?.close();
  await sidecar?.stop();
  await ingest?.stop();
  await database?.dispose();
  await disposeWorkdirs();
});

it('stores every turn Envoy had the end of, and stores or counts every exchange the kill cut', async () => {
  const { seed, random } = seededRandom();
  const killAfter = 10 + Math.floor(random() * (TURNS * 0.7));
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker('sidecar-kill', i));
  const fates: ClientFate[] = new Array<ClientFate>(TURNS).fill('unanswered');
  let killed = false;
  let completed = 0;
  let reachedKillPoint: () => void = () => undefined;
  const killPoint = new Promise<void>((resolve) => (reachedKillPoint = resolve));
  envoy = new EnvoyClient(sidecar.grpcPort, sidecarProtoPath());
  const client = envoy;

  const exchanges = markers.map(async (marker, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * STAGGER_MS));
    if (killed) {
      fates[i] = 'refused';
      return;
    }
    const messages = envoySequence(
      {
        path: FAULT_PATH,
        requestHeaders: { 'content-type': 'application/json', 'x-request-id': `sidecar-kill-${i}`, 'x-tapes-agent-name': FAULT_AGENT, 'x-api-key': 'sk-ant-e2e' },
        requestChunks: pieces(faultRequest(marker), 2),
        status: 200,
        responseHeaders: { 'content-type': FAULT_CONTENT_TYPE },
        responseChunks: pieces(FAULT_RESPONSE, FRAMES),
      },
    );
    const responseHeadersAt = messages.findIndex((m) => m.request === 'response_headers') + 1;
    await client
      .play(messages, {
        gapMs: FRAME_GAP_MS,
        onReply: (_kind, replies) => {
          if (replies === messages.length) {
            fates[i] = 'completed';
            completed += 1;
            if (completed >= killAfter) reachedKillPoint();
          } else if (replies >= responseHeadersAt) fates[i] = 'cut'; // Envoy let the response begin
        },
      })
      .catch(() => undefined); // the kill breaks the stream: the fate says how far it got
  });
  await killPoint;
  killed = true;
  await sidecar.kill();
  const answeredAtKill = completed;
  await Promise.all(exchanges);
  client.close();
  envoy = undefined;

  await sidecar.start();
  await eventually('the restarted sidecar to have delivered what its journal held', async () => (metricValue(await sidecar.metrics(), 'tapes_extproc_spool_depth') === 0 ? true : undefined), {
    timeoutMs: 90_000,
    describe: async () => `journal depth ${metricValue(await sidecar.metrics(), 'tapes_extproc_spool_depth')}`,
  });

  const found = await storedMarkers(database, markers);
  const stored = new Map<number, string[]>(markers.map((m, i) => [i, found.get(m) ?? []]));
  const dropped = metricByLabel(await sidecar.metrics(), 'tapes_extproc_turns_dropped_total', 'reason');
  const ledger = crashLedger(`${SCENARIO} (seed ${seed})`, fates, stored, (await database.ledger()).rows, dropped, answeredAtKill);
  reportCrashLedger(ledger);

  expect(ledger.completed).toBeGreaterThanOrEqual(killAfter);
  expect(ledger).toMatchObject({ lost: 0, unexplained: 0, overcounted: 0, duplicates: 0 });
  for (const [i, fate] of fates.entries()) if (fate === 'completed') expect({ marker: markers[i], outcomes: stored.get(i) }).toEqual({ marker: markers[i], outcomes: ['complete'] });
}, 180_000);
