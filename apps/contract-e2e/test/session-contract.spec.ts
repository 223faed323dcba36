import { capturedTurn, createDefaultReducers, ENVELOPE_HEADERS, toTurnRecord, type TurnRecord } from '@tapes/capture';
import { ANTHROPIC_FIXTURES, eventually, MockUpstream, pieces, readFixture, send, writeInPieces, type TurnFixture } from '@tapes/testing';
import { disposeWorkdirs, ingestProcess, proxyProcess, sidecarProcess } from './support/capture-apps';
import type { AppProcess } from './support/app-process';
import { EnvoyClient, envoySequence } from '@tapes/testing/envoy';
import { sidecarProtoPath } from './support/app-bundles';
import { SiteDatabase } from './support/site-database';

/**
 * Sessions are the same whichever site captured them (#14): a Claude Code-shaped run — main thread
 * turns and a subagent spawned through the Agent tool, with the headers Claude Code sends (its
 * user agent, `x-claude-code-session-id`, `x-claude-code-agent-id` on the subagent's calls) plus
 * an `X-Tapes-*` envelope naming the working directory and the session — goes through the proxy,
 * through the sidecar (normal mode) into ingest, and is posted to ingest directly. Each site's read
 * API must show one session with two threads, the same turns in each thread, and the same token
 * totals and cost as the offline pipeline computes from the same bytes.
 */

const SESSION = '3f1e0a52-7c1d-4e8f-9a55-0b6c2d9e4f11';
const SUBAGENT = 'a41f7c2e-subagent';
const CWD = '/home/dev/my repo';
const CLAUDE_HEADERS = {
  'content-type': 'application/json',
  'user-agent': 'claude-cli/2.0.31 (external, cli)',
  'x-app': 'cli',
  'anthropic-version': '2023-06-01',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
  'x-api-key': 'sk-ant-api03-session-contract-SECRET',
  'x-claude-code-session-id': SESSION,
  [ENVELOPE_HEADERS.harnessId]: 'claude',
  [ENVELOPE_HEADERS.harnessSessionId]: SESSION,
  [ENVELOPE_HEADERS.cwd]: encodeURIComponent(CWD),
  [ENVELOPE_HEADERS.sessionName]: 'fix-502',
};

interface RunTurn {
  requestId: string;
  fixture: TurnFixture;
  headers: Record<string, string>;
}

const fixture = (name: string) => ANTHROPIC_FIXTURES.find((f) => f.name === name)!;
const RUN: RunTurn[] = [
  { requestId: 'cc-main-1', fixture: fixture('anthropic_extra/claude_code_turn'), headers: CLAUDE_HEADERS },
  { requestId: 'cc-sub-1', fixture: fixture('anthropic/messages_tool_use'), headers: { ...CLAUDE_HEADERS, 'x-claude-code-agent-id': SUBAGENT } },
  { requestId: 'cc-sub-2', fixture: fixture('anthropic/messages_stream'), headers: { ...CLAUDE_HEADERS, 'x-claude-code-agent-id': SUBAGENT } },
  { requestId: 'cc-main-2', fixture: fixture('anthropic_extra/claude_code_turn_oneshot'), headers: CLAUDE_HEADERS },
];

interface SessionJson {
  id: string;
  name: string | null;
  cwd: string | null;
  harness: { id: string | null; version: string | null };
  turn_count: number;
  thread_count: number;
  tokens: { input: number; output: number; cache_write: number; cache_read: number; reasoning: number; total: number };
  cost_usd: number | null;
  threads: Array<{ id: string; turns: Array<{ request_id: string; model: string | null; outcome: string }> }>;
}

/** What the shared pipeline makes of the run offline: the totals every site must show. */
async function offlineRecords(): Promise<TurnRecord[]> {
  const reducers = createDefaultReducers();
  return Promise.all(
    RUN.map(async (turn) =>
      (
        await toTurnRecord(
          capturedTurn({
            requestId: turn.requestId,
            site: 'proxy',
            provider: 'anthropic',
            api: turn.fixture.api,
            method: 'POST',
            path: turn.fixture.path,
            status: 200,
            requestHeaders: turn.headers,
            responseHeaders: turn.fixture.contentType ? { 'content-type': turn.fixture.contentType } : {},
            requestBody: Buffer.from(JSON.stringify(turn.fixture.request)),
            responseBody: readFixture(turn.fixture.responseFile),
            startedAt: new Date(),
            endedAt: new Date(),
          }),
          { reducers },
        )
      ).record,
    ),
  );
}

describe('one Claude Code session, the same at every site (#14)', () => {
  const databases: SiteDatabase[] = [];
  const processes: AppProcess[] = [];
  let upstream: MockUpstream;
  let envoy: EnvoyClient;
  let sites: Record<'proxy' | 'sidecar' | 'ingest', { readBase: string; headers?: Record<string, string> }>;
  // The sidecar and its ingest share INGEST_TOKEN, as deployed: it proves the sidecar (#13) and guards reads.
  const sidecarToken = 'contract-sidecar-ingest-token-0123456789';
  const forwardedHeaders: Array<Record<string, string | string[] | undefined>> = [];

  beforeAll(async () => {
    const [proxyDb, sidecarDb, ingestDb] = await Promise.all([SiteDatabase.create('sqlite'), SiteDatabase.create('postgresql'), SiteDatabase.create('sqlite')]);
    databases.push(proxyDb, sidecarDb, ingestDb);
    upstream = await MockUpstream.start();
    const proxy = await proxyProcess({ label: 'proxy', upstream: upstream.url, databaseUrl: proxyDb.url });
    const sidecarIngest = await ingestProcess({ label: "ingest (the sidecar's)", databaseUrl: sidecarDb.url, token: sidecarToken });
    const ingest = await ingestProcess({ label: 'ingest (direct posts)', databaseUrl: ingestDb.url });
    processes.push(proxy, sidecarIngest, ingest);
    await Promise.all([sidecarIngest.start(), ingest.start(), proxy.start()]);
    const sidecar = await sidecarProcess({ ingestUrl: sidecarIngest.url, token: sidecarToken });
    processes.push(sidecar);
    await sidecar.start();
    envoy = new EnvoyClient(sidecar.grpcPort, sidecarProtoPath());

    for (const turn of RUN) {
      const request = Buffer.from(JSON.stringify(turn.fixture.request));
      const response = readFixture(turn.fixture.responseFile);
      const responseHeaders: Record<string, string> = turn.fixture.contentType ? { 'content-type': turn.fixture.contentType } : {};
      // Through the proxy, as Claude Code sends it.
      upstream.handle(async (req, res) => {
        forwardedHeaders.push(req.headers);
        res.writeHead(200, responseHeaders);
        await writeInPieces(res, pieces(response, 5));
      });
      const relayed = await send(`${proxy.url}${turn.fixture.path}`, { method: 'POST', headers: { ...turn.headers, 'x-request-id': turn.requestId }, body: request });
      expect([turn.requestId, relayed.status, relayed.body.equals(response)]).toEqual([turn.requestId, 200, true]);
      // Through the sidecar, as Envoy reports the same exchange.
      await envoy.play(envoySequence({ path: turn.fixture.path, requestHeaders: { ...turn.headers, 'x-request-id': turn.requestId }, requestChunks: pieces(request, 2), status: 200, responseHeaders, responseChunks: pieces(response, 5) }));
      // Posted to ingest by a client of its own, headers included.
      const posted = await fetch(`${ingest.url}/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'anthropic', path: turn.fixture.path, request_id: turn.requestId, request_headers: turn.headers, request_body_base64: request.toString('base64'), response_body_base64: response.toString('base64'), ...(turn.fixture.contentType ? { response_content_type: turn.fixture.contentType } : {}) }),
      });
      expect(posted.status).toBe(202);
    }
    sites = { proxy: { readBase: `${proxy.url}/_tapes/v1` }, sidecar: { readBase: `${sidecarIngest.url}/v1`, headers: { authorization: `Bearer ${sidecarToken}` } }, ingest: { readBase: `${ingest.url}/v1` } };
  }, 180_000);

  afterAll(async () => {
    envoy?.close();
    await Promise.all(processes.map((p) => p.stop()));
    await upstream?.close();
    await Promise.all(databases.map((d) => d.dispose()));
    await disposeWorkdirs();
  }, 60_000);

  it('sends no X-Tapes-* header upstream, and every header Claude Code sent otherwise', () => {
    expect(forwardedHeaders).toHaveLength(RUN.length);
    for (const headers of forwardedHeaders) {
      expect(Object.keys(headers).filter((name) => name.startsWith('x-tapes-'))).toEqual([]);
      expect(headers).toMatchObject({ 'x-claude-code-session-id': SESSION, 'x-api-key': CLAUDE_HEADERS['x-api-key'], 'user-agent': CLAUDE_HEADERS['user-agent'] });
    }
  });

  it.each(['proxy', 'sidecar', 'ingest'] as const)('%s shows one session with two threads, its turns in order, and the offline token totals and cost', async (site) => {
    const records = await offlineRecords();
    const want = records.reduce(
      (sum, r) => ({
        input: sum.input + (r.usage?.prompt_tokens ?? 0),
        output: sum.output + (r.usage?.completion_tokens ?? 0),
        cacheWrite: sum.cacheWrite + (r.usage?.cache_creation_input_tokens ?? 0),
        cacheRead: sum.cacheRead + (r.usage?.cache_read_input_tokens ?? 0),
        cost: sum.cost + (r.cost?.usd ?? 0),
      }),
      { input: 0, output: 0, cacheWrite: 0, cacheRead: 0, cost: 0 },
    );
    const base = sites[site].readBase;
    const session = await eventually(`${site} to store all ${RUN.length} turns of the session`, async () => {
      const res = await fetch(`${base}/sessions/${SESSION}`, { headers: sites[site].headers ?? {} });
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as SessionJson;
      return body.turn_count === RUN.length ? body : undefined;
    });
    expect(session).toMatchObject({ id: SESSION, name: 'fix-502', cwd: CWD, harness: { id: 'claude', version: '2.0.31' }, thread_count: 2 });
    // The proxy names its turns itself (a client's x-request-id is not trusted to be unique); the
    // sidecar keeps Envoy's and ingest the posted one, so there the ids themselves are compared.
    const ids = (turns: Array<{ request_id: string }>) => (site === 'proxy' ? turns.length : turns.map((t) => t.request_id)) as unknown;
    const expected = (wanted: string[]) => (site === 'proxy' ? wanted.length : wanted) as unknown;
    expect(session.threads.map((t) => [t.id, ids(t.turns)])).toEqual([
      ['', expected(['cc-main-1', 'cc-main-2'])],
      [SUBAGENT, expected(['cc-sub-1', 'cc-sub-2'])],
    ]);
    expect(session.threads.flatMap((t) => t.turns.map((x) => x.model))).toEqual(['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929', 'claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-20241022']);
    expect(session.tokens).toMatchObject({ input: want.input, output: want.output, cache_write: want.cacheWrite, cache_read: want.cacheRead });
    expect(session.cost_usd).toBeCloseTo(want.cost, 9);
    expect(want.cost).toBeGreaterThan(0);
    // The list agrees with the detail, and nothing else was made a session.
    const list = (await (await fetch(`${base}/sessions`, { headers: sites[site].headers ?? {} })).json()) as { items: SessionJson[] };
    expect(list.items.map((s) => [s.id, s.turn_count, s.thread_count])).toEqual([[SESSION, RUN.length, 2]]);
  });
});
