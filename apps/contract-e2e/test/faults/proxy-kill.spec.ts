import { eventually, MockUpstream, pieces, send, writeFrames } from '@tapes/testing';
import { disposeWorkdirs, proxyProcess, type ProxyProcess } from '../support/capture-apps';
import { crashLedger, reportCrashLedger, type ClientFate } from '../support/crash-ledger';
import { FAULT_AGENT, FAULT_CONTENT_TYPE, FAULT_PATH, FAULT_RESPONSE, faultRequest } from '../support/fault-turns';
import { seededRandom } from '../support/seeded-random';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { storedMarkers, turnMarker } from '../support/turn-accounting';

/**
 * Fault scenario (issue #12): the proxy is killed (SIGKILL: nothing flushed, no shutdown hook)
 * while 100 streaming turns are in flight, at a random point of the traffic, and started again on
 * the same data directory and SQLite database (the laptop default). The ledger compares what each
 * agent saw with what the database holds once the new process has replayed its journal: every
 * turn an agent received whole is stored, once; every turn the crash cut is stored `partial` or
 * counted under a drop reason by the new process.
 */

const SCENARIO = 'proxy killed (SIGKILL) under 100 streaming turns';
const TURNS = 100;
/** Each answer streams over ~10 × 15 ms, so many turns are mid-stream whenever the kill lands. */
const FRAMES = 10;
const FRAME_GAP_MS = 15;
/** Turns start this far apart: the traffic spans about a second. */
const STAGGER_MS = 8;

let database: SiteDatabase;
let upstream: MockUpstream;
let proxy: ProxyProcess;

beforeAll(async () => {
  database = await SiteDatabase.create('sqlite');
  upstream = await MockUpstream.start(async (_req, res) => {
    res.writeHead(200, { 'content-type': FAULT_CONTENT_TYPE });
    await writeFrames(res, pieces(FAULT_RESPONSE, FRAMES), FRAME_GAP_MS);
  });
  proxy = await proxyProcess({ upstream: upstream.url, databaseUrl: database.url });
  await proxy.start();
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
  await database?.dispose();
  await disposeWorkdirs();
});

it('stores every turn an agent received whole, and stores or counts every turn the kill cut', async () => {
  const { seed, random } = seededRandom();
  // Somewhere between a tenth and four fifths of the answers: never before traffic, never after it.
  const killAfter = 10 + Math.floor(random() * (TURNS * 0.7));
  const markers = Array.from({ length: TURNS }, (_, i) => turnMarker('proxy-kill', i));
  const fates: ClientFate[] = new Array<ClientFate>(TURNS).fill('unanswered');
  let completed = 0;
  let onCompleted: (() => void) | undefined;

  const turns = markers.map(async (marker, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * STAGGER_MS));
    try {
      const res = await send(`${proxy.url}${FAULT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-e2e', 'anthropic-version': '2023-06-01', 'x-tapes-agent-name': FAULT_AGENT },
        body: faultRequest(marker),
      });
      fates[i] = res.status === 200 && !res.error && res.body.equals(FAULT_RESPONSE) ? 'completed' : 'cut';
    } catch (err) {
      // Reset before any response (in flight at the kill), or refused (sent after it).
      fates[i] = (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'refused' : 'unanswered';
    }
    if (fates[i] === 'completed') {
      completed += 1;
      onCompleted?.();
    }
  });
  await new Promise<void>((resolve) => {
    onCompleted = () => {
      if (completed >= killAfter) resolve();
    };
  });
  await proxy.kill();
  const answeredAtKill = completed;
  await Promise.all(turns);
  // A completion counted after the kill is a response that was whole before it: it counts as completed.

  await proxy.start();
  await eventually('the restarted proxy to have stored what its journal held', async () => {
    const metrics = await proxy.metrics();
    return metricValue(metrics, 'tapes_proxy_spool_depth') === 0 ? true : undefined;
  }, { timeoutMs: 90_000, describe: async () => `journal depth ${metricValue(await proxy.metrics(), 'tapes_proxy_spool_depth')}` });

  const found = await storedMarkers(database, markers);
  const stored = new Map<number, string[]>(markers.map((m, i) => [i, found.get(m) ?? []]));
  const dropped = metricByLabel(await proxy.metrics(), 'tapes_proxy_turns_dropped_total', 'reason');
  const ledger = crashLedger(`${SCENARIO} (seed ${seed})`, fates, stored, (await database.ledger()).rows, dropped, answeredAtKill);
  reportCrashLedger(ledger);

  expect(ledger.completed).toBeGreaterThanOrEqual(killAfter);
  expect(ledger).toMatchObject({ lost: 0, unexplained: 0, overcounted: 0, duplicates: 0 });
  // Every turn an agent received whole is stored complete: it reached its terminal event.
  for (const [i, fate] of fates.entries()) if (fate === 'completed') expect({ marker: markers[i], outcomes: stored.get(i) }).toEqual({ marker: markers[i], outcomes: ['complete'] });
}, 180_000);
