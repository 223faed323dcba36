import type { ClientView, Exchange, Fate, IngestPost, Site, StatusCase } from '../status-cases';
import { LIMITS } from '../status-cases';
import type { AppProcess } from './app-process';
import { disposeWorkdirs, ingestProcess, proxyProcess, sidecarProcess, type SidecarProcess } from './capture-apps';
import { EnvoyClient, envoySequence } from '@tapes/testing/envoy';
import { sidecarProtoPath } from './app-bundles';
import { metricByLabel, metricValue } from './prometheus';
import { SiteDatabase } from './site-database';
import { StorageLink } from './storage-link';
import { eventually, MockUpstream, pieces, send } from '@tapes/testing';

/** What a site did with one case's input, in the table's own terms. */
export interface Observed {
  client: ClientView;
  fate: Fate;
}

const TOKEN = 'contract-e2e-ingest-token-0123456789';

/** Counters that together say how an exchange ended at the proxy or the sidecar. */
interface Counters {
  dropped: Record<string, number>;
  /** Proxy: written to storage. Sidecar: accepted by ingest. */
  stored: number;
  spooled: number;
}

function counterDelta(after: Counters, before: Counters): { dropped: string[]; stored: number; spooled: number } {
  const dropped = Object.keys(after.dropped).flatMap((reason) => Array<string>(Math.max(0, (after.dropped[reason] ?? 0) - (before.dropped[reason] ?? 0))).fill(reason));
  return { dropped, stored: after.stored - before.stored, spooled: after.spooled - before.spooled };
}

async function proxyCounters(app: AppProcess): Promise<Counters> {
  const text = await app.metrics();
  return {
    dropped: metricByLabel(text, 'tapes_proxy_turns_dropped_total', 'reason'),
    stored: metricValue(text, 'tapes_proxy_turns_delivered_total'),
    spooled: metricValue(text, 'tapes_proxy_turns_backlogged_total'),
  };
}

async function sidecarCounters(app: AppProcess): Promise<Counters> {
  const text = await app.metrics();
  return {
    dropped: metricByLabel(text, 'tapes_extproc_turns_dropped_total', 'reason'),
    stored: metricValue(text, 'tapes_extproc_turns_delivered_total'),
    spooled: metricValue(text, 'tapes_extproc_turns_backlogged_total'),
  };
}

/**
 * The apps of the status table, as processes: a proxy before a mock upstream, an ingest with a
 * token, a sidecar posting to it with that token and one with a wrong token. The proxy and ingest
 * reach PostgreSQL through StorageLinks (TCP proxies), so "storage down" cuts exactly their
 * connections while the test keeps reading the databases directly. Byte limits are the table's
 * LIMITS.
 */
export class StatusSites {
  private constructor(
    private readonly upstream: MockUpstream,
    private readonly proxy: AppProcess,
    private readonly ingest: AppProcess,
    private readonly sidecars: { good: SidecarProcess; wrongToken: SidecarProcess },
    private readonly envoys: { good: EnvoyClient; wrongToken: EnvoyClient },
    private readonly databases: { proxy: SiteDatabase; ingest: SiteDatabase },
    private readonly storage: { proxy: StorageLink; ingest: StorageLink },
  ) {}

  static async start(): Promise<StatusSites> {
    const databases = { proxy: await SiteDatabase.create('postgresql'), ingest: await SiteDatabase.create('postgresql') };
    const storage = { proxy: await StorageLink.open(databases.proxy.url), ingest: await StorageLink.open(databases.ingest.url) };
    const upstream = await MockUpstream.start();
    const proxy = await proxyProcess({ upstream: upstream.url, databaseUrl: storage.proxy.url, env: { TAPES_MAX_CAPTURE_BODY_BYTES: String(LIMITS.proxyCaptureBytes) } });
    const ingest = await ingestProcess({ databaseUrl: storage.ingest.url, token: TOKEN, env: { INGEST_BODY_LIMIT: String(LIMITS.ingestBodyBytes) } });
    const sidecarEnv = { TAPES_MAX_CAPTURE_BODY_BYTES: String(LIMITS.sidecarCaptureBytes) };
    const good = await sidecarProcess({ ingestUrl: ingest.url, token: TOKEN, env: sidecarEnv });
    const wrongToken = await sidecarProcess({ label: 'sidecar (wrong ingest token)', ingestUrl: ingest.url, token: 'not-the-ingest-token-at-all', env: sidecarEnv });
    const envoys = { good: new EnvoyClient(good.grpcPort, sidecarProtoPath()), wrongToken: new EnvoyClient(wrongToken.grpcPort, sidecarProtoPath()) };
    const sites = new StatusSites(upstream, proxy, ingest, { good, wrongToken }, envoys, databases, storage);
    try {
      await Promise.all([proxy.start(), ingest.start()]);
      await Promise.all([good.start(), wrongToken.start()]);
    } catch (err) {
      await sites.dispose();
      throw err;
    }
    return sites;
  }

  /** Runs one case at every site, one site after the other, and says what each did. */
  async run(statusCase: StatusCase, agentPrefix: string): Promise<Record<Site, Observed>> {
    const agent = (site: Site) => `${agentPrefix}:${site}`;
    if (statusCase.storageDown) await Promise.all([this.storage.proxy.cut(), this.storage.ingest.cut()]);
    let observed: Record<Site, Observed>;
    try {
      observed = {
        proxy: await this.throughProxy(statusCase.proxy.exchange, agent('proxy')),
        sidecar: await this.throughSidecar(statusCase.sidecar.exchange, statusCase.sidecar.ingestToken === 'wrong' ? 'wrongToken' : 'good', agent('sidecar')),
        ingest: await this.postToIngest(statusCase.ingest.post, agent('ingest')),
      };
    } finally {
      if (statusCase.storageDown) await Promise.all([this.storage.proxy.restore(), this.storage.ingest.restore()]);
    }
    // A spooled turn counts only once it has reached the database after storage came back.
    await this.awaitSpooled(observed.proxy, this.databases.proxy, agent('proxy'));
    await this.awaitSpooled(observed.sidecar, this.databases.ingest, agent('sidecar'));
    return observed;
  }

  async dispose(): Promise<void> {
    this.envoys.good.close();
    this.envoys.wrongToken.close();
    await Promise.all([this.proxy, this.ingest, this.sidecars.good, this.sidecars.wrongToken].map((p) => p.stop()));
    await this.upstream.close();
    await Promise.all([this.storage.proxy.close(), this.storage.ingest.close()]);
    await Promise.all([this.databases.proxy.dispose(), this.databases.ingest.dispose()]);
    await disposeWorkdirs();
  }

  private async throughProxy(exchange: Exchange, agent: string): Promise<Observed> {
    const before = await proxyCounters(this.proxy);
    this.upstream.handle((_req, res) => {
      res.writeHead(exchange.status, { 'content-type': exchange.responseContentType });
      res.end(exchange.responseBody);
    });
    const res = await send(`${this.proxy.url}${exchange.path}`, {
      method: exchange.method,
      headers: { 'x-tapes-agent-name': agent, 'x-api-key': 'sk-ant-e2e', ...(exchange.requestBody !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(exchange.requestBody !== undefined ? { body: exchange.requestBody } : {}),
    });
    const exact = res.error === undefined && res.body.equals(Buffer.from(exchange.responseBody));
    const client: ClientView = exact ? { relayed: res.status } : { status: res.status, code: `not the upstream's bytes${res.error ? ` (${res.error.message})` : ''}` };
    const delta = await this.settle('the proxy', () => proxyCounters(this.proxy), before);
    return { client, fate: await this.fateOf(delta, this.databases.proxy, agent) };
  }

  private async throughSidecar(exchange: Exchange, which: 'good' | 'wrongToken', agent: string): Promise<Observed> {
    const sidecar = this.sidecars[which];
    const before = await sidecarCounters(sidecar);
    const messages = envoySequence(
      {
        method: exchange.method,
        path: exchange.path,
        requestHeaders: { 'x-tapes-agent-name': agent, 'x-request-id': agent, 'x-api-key': 'sk-ant-e2e', ...(exchange.requestBody !== undefined ? { 'content-type': 'application/json' } : {}) },
        requestChunks: pieces(Buffer.from(exchange.requestBody ?? ''), 3),
        status: exchange.status,
        responseHeaders: { 'content-type': exchange.responseContentType },
        responseChunks: pieces(Buffer.from(exchange.responseBody), 2),
      },
    );
    // Throws unless every message got its CONTINUE, in order: Envoy would otherwise stall or fail.
    await this.envoys[which].play(messages);
    const delta = await this.settle(sidecar.label, () => sidecarCounters(sidecar), before);
    return { client: { envoy: 'continue' }, fate: await this.fateOf(delta, this.databases.ingest, agent) };
  }

  private async postToIngest(post: IngestPost, agent: string): Promise<Observed> {
    const before = await this.databases.ingest.ledger();
    const response = await fetch(`${this.ingest.url}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(post.auth === 'token' ? { authorization: `Bearer ${TOKEN}` } : {}) },
      body: withAgent(post.body, agent),
    });
    const answer = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
    const client: ClientView = { status: response.status };
    if (answer.error?.code) client.code = answer.error.code;
    if (response.headers.get('retry-after')) client.retryAfter = true;
    const turns = await this.databases.ingest.turnsOfAgent(agent);
    const added = (await this.databases.ingest.ledger()).rows - before.rows;
    if (added !== turns.length) throw new Error(`ingest stored ${added} turns, ${turns.length} of them under the case's agent`);
    return { client, fate: turns[0] ? { stored: turns[0].outcome } : { refused: true } };
  }

  /** Waits until the exchange has ended in one of the counted ways; returns how. */
  private async settle(label: string, read: () => Promise<Counters>, before: Counters): Promise<ReturnType<typeof counterDelta>> {
    return eventually(
      `${label} to store, spool or drop the exchange`,
      async () => {
        const delta = counterDelta(await read(), before);
        return delta.dropped.length + delta.stored + delta.spooled > 0 ? delta : undefined;
      },
      { timeoutMs: 20_000, describe: async () => JSON.stringify(await read()) },
    );
  }

  private async fateOf(delta: ReturnType<typeof counterDelta>, database: SiteDatabase, agent: string): Promise<Fate> {
    if (delta.dropped.length + delta.stored + delta.spooled !== 1) throw new Error(`one exchange ended more than one way: ${JSON.stringify(delta)}`);
    if (delta.dropped[0]) return { dropped: delta.dropped[0] };
    if (delta.spooled === 1) return { spooled: 'then stored' };
    const [turn] = await database.turnsOfAgent(agent);
    if (!turn) throw new Error(`counted as stored, but no turn of ${agent} is in the database`);
    return { stored: turn.outcome };
  }

  private async awaitSpooled(observed: Observed, database: SiteDatabase, agent: string): Promise<void> {
    if (!('spooled' in observed.fate)) return;
    await eventually(`the spooled turn of ${agent} to be stored once storage is back`, async () => ((await database.requestIdsOfAgent(agent)).length === 1 ? true : undefined), {
      timeoutMs: 45_000,
    });
  }
}

/** The post with `agent_name` set when the body is a JSON object (a malformed body goes as is). */
function withAgent(body: string, agent: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return JSON.stringify({ ...parsed, agent_name: agent });
  } catch {
    // not JSON: sent unchanged, as the case means it
  }
  return body;
}
