import { gzipSync } from 'node:zlib';
import { createDefaultReducers, deriveTurn, reduceBody, selectReducer, type DerivedTurn } from '@tapes/capture';
import { chunks, createTestPostgres, freePort, readFixture, TURN_FIXTURES, type TestPostgres, type TurnFixture } from '@tapes/testing';
import { envoySequence } from '@tapes/testing/envoy';
import { IngestProcess } from './ingest-process';
import { journalOnDisk, startSidecar, tempSpoolDir, type RunningSidecar } from './sidecar-harness';

/**
 * The sidecar against the real apps/ingest on a real PostgreSQL database (issue #6): every
 * fixture turn, played as Envoy plays it, is stored with exactly the hashes the proxy would store,
 * i.e. those of reducing the same bytes offline with @tapes/capture and @tapes/merkle.
 */

const TOKEN = 'sidecar-e2e-token-0123456789';
const AGENT = 'sidecar-e2e';

/** The read API's turn detail (libs/read-api), the fields this suite checks. */
interface StoredTurnJson {
  request_id: string;
  capture_site: string;
  provider: string;
  outcome: string;
  head_hash: string | null;
  nodes: number;
}

/** What capture + merkle make of these bytes offline: the proxy's result for the same turn. */
function offline(fixture: TurnFixture, request: Buffer, response: Buffer): DerivedTurn {
  const reducer = selectReducer(createDefaultReducers(), { path: fixture.path });
  if (!reducer) throw new Error(`no reducer for ${fixture.path}`);
  return deriveTurn({
    reducer,
    request: { document: JSON.parse(request.toString('utf8')) as unknown },
    response: reduceBody(reducer, response, { contentType: fixture.contentType }),
    path: fixture.path, // some APIs (Gemini) put request fields in the URL
    agentName: AGENT,
  });
}

interface Variant {
  label: string;
  observabilityMode: boolean;
  gzip: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'observability mode', observabilityMode: true, gzip: false },
  { label: 'normal mode', observabilityMode: false, gzip: false },
  { label: 'observability mode, gzip response', observabilityMode: true, gzip: true },
];

function play(sidecar: RunningSidecar, fixture: TurnFixture, variant: Variant, requestId: string) {
  const request = Buffer.from(JSON.stringify(fixture.request));
  const raw = readFixture(fixture.responseFile);
  // Envoy hands over the bytes as they crossed it: still gzip-encoded when the upstream said so.
  const wire = variant.gzip ? gzipSync(raw) : raw;
  const messages = envoySequence(
    {
      path: fixture.path,
      requestHeaders: { 'x-request-id': requestId, 'x-tapes-agent-name': AGENT, authorization: 'Bearer sk-secret' },
      requestChunks: chunks(request, 333),
      responseHeaders: { ...(fixture.contentType ? { 'content-type': fixture.contentType } : {}), ...(variant.gzip ? { 'content-encoding': 'gzip' } : {}) },
      responseChunks: chunks(wire, 61),
    },
    { observabilityMode: variant.observabilityMode },
  );
  return { request, raw, messages };
}

describe('the sidecar delivering to the real ingest on PostgreSQL', () => {
  let database: TestPostgres;
  let ingest: IngestProcess;
  const spools: Array<Awaited<ReturnType<typeof tempSpoolDir>>> = [];
  const sidecars: RunningSidecar[] = [];

  /** A journal directory belongs to one process at a time: each sidecar gets its own, unless it is to take over a previous run's. */
  const newSpoolDir = async () => {
    const spool = await tempSpoolDir();
    spools.push(spool);
    return spool;
  };

  const sidecar = async (spool?: { dataDir: string }) => {
    const started = await startSidecar({ INGEST_URL: ingest.url, INGEST_TOKEN: TOKEN, TAPES_DATA_DIR: (spool ?? (await newSpoolDir())).dataDir }, createDefaultReducers);
    sidecars.push(started);
    return started;
  };

  beforeAll(async () => {
    database = await createTestPostgres();
    ingest = new IngestProcess(await freePort(), { DATABASE_URL: database.url, INGEST_TOKEN: TOKEN });
    await ingest.start();
  }, 90_000);

  afterAll(async () => {
    for (const s of sidecars.splice(0)) await s.close();
    await ingest?.stop();
    await database?.drop();
    for (const spool of spools.splice(0)) await spool.remove();
  });

  async function stored(requestId: string): Promise<{ turn: StoredTurnJson; hashes: string[] }> {
    const { status, body: turn } = await ingest.get<StoredTurnJson>(`/v1/turns/${encodeURIComponent(requestId)}`);
    if (status !== 200) throw new Error(`turn ${requestId} is not stored (${status})`);
    if (!turn.head_hash) return { turn, hashes: [] };
    const ancestry = await ingest.get<{ nodes: Array<{ hash: string }> }>(`/v1/nodes/${turn.head_hash}/ancestry`);
    return { turn, hashes: ancestry.body.nodes.map((n) => n.hash) };
  }

  describe.each(VARIANTS)('in $label', (variant) => {
    let running: RunningSidecar;
    beforeAll(async () => {
      running = await sidecar();
    });

    const fixtures = variant.gzip ? TURN_FIXTURES.filter((f) => f.provider === 'anthropic') : TURN_FIXTURES;

    it.each(fixtures.map((f) => ({ ...f, label: f.name })))('$label is stored with the hashes of the offline reduction', async (fixture) => {
      const requestId = `${variant.label}:${fixture.name}`;
      const { request, raw, messages } = play(running, fixture, variant, requestId);
      const result = await running.envoy.play(messages);
      expect(result.replies).toHaveLength(variant.observabilityMode ? 0 : messages.length);
      await running.settled();
      const want = offline(fixture, request, raw);
      const { turn, hashes } = await stored(requestId);
      expect(turn).toMatchObject({ request_id: requestId, capture_site: 'sidecar', provider: fixture.provider, outcome: want.outcome, nodes: want.nodes.length });
      expect(hashes).toEqual(want.nodes.map((n) => n.hash));
      // Counted under the outcome ingest reported for it.
      expect(await running.metric('tapes_extproc_turns_delivered_total', { via: 'direct', provider: fixture.provider, outcome: want.outcome })).toBeGreaterThan(0);
    });
  });

  it('stores all N turns captured while ingest was down, once each, through a sidecar restart', async () => {
    const fixture = TURN_FIXTURES.find((f) => f.name === 'anthropic/messages_stream');
    if (!fixture) throw new Error('fixture missing');
    const want = offline(fixture, Buffer.from(JSON.stringify(fixture.request)), readFixture(fixture.responseFile));
    const spoolDir = await newSpoolDir();
    const first = await sidecar(spoolDir);
    await ingest.stop();
    const ids = Array.from({ length: 8 }, (_, i) => `outage-${i}`);
    for (const id of ids) await first.envoy.play(play(first, fixture, VARIANTS[0] as Variant, id).messages);
    await first.settled();
    await first.until(async () => (await first.metric('tapes_extproc_turns_backlogged_total')) === ids.length, 'every turn waiting in the journal');
    expect(first.journal().depth).toBe(ids.length);
    await first.close();
    sidecars.splice(sidecars.indexOf(first), 1);
    expect((await journalOnDisk(spoolDir.dir)).depth).toBe(ids.length);

    await ingest.start();
    const second = await sidecar(spoolDir);
    await second.until(() => second.journal().depth === 0, 'journal drained into the real ingest');
    await second.until(async () => (await second.metric('tapes_extproc_turns_delivered_total', { via: 'backlog' })) === ids.length, 'every turn counted delivered');
    expect(await second.metric('tapes_extproc_turns_delivered_total', { via: 'backlog', result: 'stored', outcome: want.outcome })).toBe(ids.length);
    expect(await second.metric('tapes_extproc_delivery_attempts_total', { result: 'duplicate' })).toBe(0);
    for (const id of ids) {
      const { turn, hashes } = await stored(id);
      expect(turn.outcome).toBe(want.outcome);
      expect(hashes).toEqual(want.nodes.map((n) => n.hash));
    }
  }, 90_000);
});
