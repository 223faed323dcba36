import type { ServerResponse } from 'node:http';
import { disposeWorkdirs, proxyProcess, type ProxyProcess } from '../support/capture-apps';
import { FAULT_AGENT, FAULT_CONTENT_TYPE, FAULT_PATH, FAULT_RESPONSE, faultRequest } from '../support/fault-turns';
import { metricByLabel, metricValue } from '../support/prometheus';
import { SiteDatabase } from '../support/site-database';
import { Traffic } from '../support/traffic';
import { countTurns, reportCount, storedMarkers, turnMarker } from '../support/turn-accounting';
import { type ClientResponse, eventually, MockUpstream, pieces, send } from '@tapes/testing';

/**
 * Fault scenario: slow and dying upstreams behind the proxy. Each kind of upstream misbehaviour
 * is played several times, all kinds interleaved; the agent must see what the upstream did (a cut
 * stream stays cut, never a response that pretends to be whole), and each turn must end stored
 * (partial with what arrived) or dropped with its reason.
 */

const SCENARIO = 'slow and dying upstreams through the proxy';
const HEADERS_TIMEOUT_MS = 800;
const IDLE_TIMEOUT_MS = 800;
const PER_KIND = 6;
/** Where a dying upstream stops: past the first text deltas, before message_stop. */
const CUT_AT = Math.floor(FAULT_RESPONSE.length * 0.6);

interface UpstreamKind {
  kind: 'cut' | 'hang' | 'trickle' | 'stall';
  /** How the upstream answers. */
  serve(res: ServerResponse): Promise<void> | void;
  /** What the agent must get. */
  client(res: ClientResponse): boolean;
  /** The stored outcome, or the drop reason. */
  fate: { stored: 'complete' | 'partial' } | { dropped: string };
}

const KINDS: UpstreamKind[] = [
  {
    kind: 'cut',
    serve: (res) => {
      res.writeHead(200, { 'content-type': FAULT_CONTENT_TYPE });
      res.write(FAULT_RESPONSE.subarray(0, CUT_AT), () => res.destroy());
    },
    client: (res) => res.status === 200 && res.error !== undefined && res.body.equals(FAULT_RESPONSE.subarray(0, CUT_AT)),
    fate: { stored: 'partial' },
  },
  {
    kind: 'hang',
    serve: () => undefined, // accepts the request, never answers: the proxy gives up on the headers
    client: (res) => res.status === 504 && (JSON.parse(res.body.toString('utf8')) as { error?: { code?: string } }).error?.code === 'upstream_timeout',
    fate: { dropped: 'upstream_no_response' }, // the upstream never answered (#14: one name for it at every site)
  },
  {
    kind: 'trickle',
    serve: async (res) => {
      res.writeHead(200, { 'content-type': FAULT_CONTENT_TYPE });
      for (const piece of pieces(FAULT_RESPONSE, 8)) {
        if (res.destroyed) return;
        res.write(piece);
        await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS / 20)); // slow, never idle for long
      }
      res.end();
    },
    client: (res) => res.status === 200 && res.error === undefined && res.body.equals(FAULT_RESPONSE),
    fate: { stored: 'complete' },
  },
  {
    kind: 'stall',
    serve: (res) => {
      res.writeHead(200, { 'content-type': FAULT_CONTENT_TYPE });
      res.write(FAULT_RESPONSE.subarray(0, CUT_AT)); // then silence past the idle timeout
    },
    client: (res) => res.status === 200 && res.error !== undefined && res.body.equals(FAULT_RESPONSE.subarray(0, CUT_AT)),
    fate: { stored: 'partial' },
  },
];

const TURNS = KINDS.flatMap((kind) => Array.from({ length: PER_KIND }, (_, i) => ({ kind, marker: turnMarker(`upstream-${kind.kind}`, i) })));

let database: SiteDatabase;
let upstream: MockUpstream;
let proxy: ProxyProcess;

beforeAll(async () => {
  database = await SiteDatabase.create('postgresql');
  upstream = await MockUpstream.start(async (req, res) => {
    const turn = TURNS.find((t) => req.body.includes(t.marker));
    if (!turn) return void res.writeHead(400).end('unknown turn');
    await turn.kind.serve(res);
  });
  proxy = await proxyProcess({
    upstream: upstream.url,
    databaseUrl: database.url,
    env: { TAPES_UPSTREAM_HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MS}ms`, TAPES_UPSTREAM_IDLE_TIMEOUT: `${IDLE_TIMEOUT_MS}ms` },
  });
  await proxy.start();
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
  await database?.dispose();
  await disposeWorkdirs();
});

it('shows the agent what the upstream did and ends every turn stored or dropped with a reason', async () => {
  // Interleaved: kind after kind, so slow and dying exchanges overlap.
  const order = Array.from({ length: PER_KIND }, (_, i) => KINDS.map((_, k) => TURNS[k * PER_KIND + i]!)).flat();
  const traffic = new Traffic(order.length, { concurrency: 6, intervalMs: 0 }, async (i) => {
    const turn = order[i]!;
    const res = await send(`${proxy.url}${FAULT_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-e2e', 'x-tapes-agent-name': FAULT_AGENT },
      body: faultRequest(turn.marker),
    });
    if (!turn.kind.client(res)) throw new Error(`${turn.kind.kind}: the agent got ${res.status}, ${res.body.length} bytes${res.error ? `, cut (${res.error.message})` : ''}`);
  });
  await traffic.run();
  expect(traffic.failures).toEqual([]);

  const markers = TURNS.map((t) => t.marker);
  const dropped = async () => metricByLabel(await proxy.metrics(), 'tapes_proxy_turns_dropped_total', 'reason');
  await eventually(
    'every turn stored or dropped',
    async () => {
      const settled = (await storedMarkers(database, markers)).size + Object.values(await dropped()).reduce((a, b) => a + b, 0);
      return settled === TURNS.length && metricValue(await proxy.metrics(), 'tapes_proxy_queue_bytes') === 0 ? true : undefined;
    },
    { timeoutMs: 30_000, describe: async () => `${(await storedMarkers(database, markers)).size} stored, drops ${JSON.stringify(await dropped())}` },
  );

  const stored = await storedMarkers(database, markers);
  const fates = Object.fromEntries(KINDS.map((k) => [k.kind, TURNS.filter((t) => t.kind === k).map((t) => stored.get(t.marker)?.join('+') ?? 'not stored')]));
  const expected = Object.fromEntries(KINDS.map((k) => [k.kind, Array<string>(PER_KIND).fill('stored' in k.fate ? k.fate.stored : 'not stored')]));
  expect(fates).toEqual(expected);

  const count = await countTurns(SCENARIO, database, markers, await dropped());
  reportCount(count, `${SCENARIO}: ${PER_KIND} each of ${KINDS.map((k) => k.kind).join(', ')}`);
  const droppedKinds = KINDS.flatMap((k) => ('dropped' in k.fate ? [k.fate.dropped] : []));
  expect(count).toMatchObject({ sent: TURNS.length, stored: TURNS.length - PER_KIND * droppedKinds.length, unexplained: 0, duplicates: 0 });
  expect(count.dropped).toEqual({ upstream_no_response: PER_KIND });
  expect(count.ledger).toEqual({ rows: count.stored, distinctRequestIds: count.stored, distinctRequestBodies: count.stored });
}, 120_000);
