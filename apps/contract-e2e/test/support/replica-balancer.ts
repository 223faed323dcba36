import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The ingest Service of the replica scenarios: one address the sidecars' INGEST_URL points at,
 * spreading POSTs over N ingest replicas round robin, per request.
 *
 * Why per request and not per connection: a Kubernetes ClusterIP Service balances connections,
 * and the sidecar keeps up to INGEST_CONNECTIONS keep-alive connections open, so at test volumes
 * one replica may get most of a sidecar's posts and a restarted replica none at all (its peers'
 * pooled connections never move). Per-request rotation, what an L7 Service (a mesh, Envoy,
 * ingress-nginx) gives, spreads every sidecar's posts over every live replica, and it is the harder
 * case for duplicates: the retry of a turn lands on a different replica than its first attempt.
 *
 * What it does, and only this:
 * - a replica that refuses the connection (down, restarting) is skipped for the next one, as a
 *   Service drops an endpoint that fails readiness. Nothing was sent to it, so trying the next
 *   cannot store a turn twice. When every replica refuses: 503 with Retry-After, as Envoy answers
 *   "no healthy upstream";
 * - any other failure of a forwarded request (the replica died with the request in flight, or
 *   after answering part of it) resets the sidecar's connection: the balancer never retries a
 *   request a replica may have received; only the sidecar does, and ingest's request_id decides;
 * - {@link holdNextAnswer} parks the next complete answer of one replica, so a test can kill that
 *   replica after it committed a turn and before the sidecar heard so (then {@link HeldAnswer.cut}).
 */

export interface ReplicaCounts {
  /** 2xx answers relayed, by whether ingest said the turn was new or already stored. */
  accepted: number;
  duplicate: number;
  /** Other statuses relayed. */
  other: number;
  /** Connections refused (replica down): the request went to the next replica. */
  refused: number;
  /** Requests forwarded whose answer never came whole (the sidecar's connection was reset). */
  cut: number;
}

export interface HeldAnswer {
  /** The replica's status for the held request (202 for a stored turn). */
  readonly status: number;
  /** The request_id of the turn whose answer is held. */
  readonly requestId: string | undefined;
  /** Never relays the answer: resets the sidecar's connection, as the replica's death would have. */
  cut(): void;
}

interface Backend {
  url: URL;
  agent: http.Agent;
  counts: ReplicaCounts;
}

/** Whether the failure means nothing reached the replica (safe to try the next one). */
const notConnected = (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED';

export class ReplicaBalancer {
  private readonly backends: Backend[];
  private next = 0;
  private readonly holds = new Map<number, (held: { status: number; requestId: string | undefined; cut: () => void }) => void>();
  private readonly server: http.Server;
  /** 503s answered because no replica took the connection. */
  noReplica = 0;

  private constructor(backendUrls: readonly string[]) {
    this.backends = backendUrls.map((u) => ({
      url: new URL(u),
      agent: new http.Agent({ keepAlive: true, maxSockets: 16 }),
      counts: { accepted: 0, duplicate: 0, other: 0, refused: 0, cut: 0 },
    }));
    this.server = http.createServer({ keepAlive: true }, (req, res) => void this.handle(req, res));
  }

  static async start(backendUrls: readonly string[]): Promise<ReplicaBalancer> {
    const balancer = new ReplicaBalancer(backendUrls);
    await new Promise<void>((resolve) => balancer.server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  /** What the sidecars are given as INGEST_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Per replica, in the order the URLs were given. */
  counts(): ReplicaCounts[] {
    return this.backends.map((b) => ({ ...b.counts }));
  }

  /**
   * Resolves with the next complete answer replica `index` gives, which is not relayed until the
   * test decides (the only decision offered is {@link HeldAnswer.cut}).
   */
  holdNextAnswer(index: number): Promise<HeldAnswer> {
    return new Promise((resolve) => this.holds.set(index, resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const b of this.backends) b.agent.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const start = this.next++ % this.backends.length;
    for (let tried = 0; tried < this.backends.length; tried++) {
      const index = (start + tried) % this.backends.length;
      const backend = this.backends[index]!;
      const outcome = await this.forward(backend, req, body);
      if (outcome.kind === 'refused') {
        backend.counts.refused += 1;
        continue;
      }
      if (outcome.kind === 'failed') {
        backend.counts.cut += 1;
        req.socket.resetAndDestroy();
        return;
      }
      const { status, headers, answer } = outcome;
      const duplicate = status >= 200 && status < 300 ? parseDuplicate(answer) : undefined;
      const hold = this.holds.get(index);
      if (hold && req.url?.startsWith('/v1/ingest')) {
        this.holds.delete(index);
        backend.counts.cut += 1;
        hold({ status, requestId: requestIdOf(body), cut: () => req.socket.resetAndDestroy() });
        return;
      }
      if (duplicate === true) backend.counts.duplicate += 1;
      else if (duplicate === false) backend.counts.accepted += 1;
      else backend.counts.other += 1;
      res.writeHead(status, headers);
      res.end(answer);
      return;
    }
    this.noReplica += 1;
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'no_replica', message: 'no ingest replica accepted the connection' } }));
  }

  private forward(
    backend: Backend,
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ kind: 'refused' } | { kind: 'failed' } | { kind: 'answered'; status: number; headers: http.OutgoingHttpHeaders; answer: Buffer }> {
    return new Promise((resolve) => {
      const headers = { ...req.headers, host: backend.url.host, 'content-length': String(body.length) };
      const out = http.request(
        { host: backend.url.hostname, port: backend.url.port, method: req.method, path: req.url, headers, agent: backend.agent },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...rest } = answer.headers;
            resolve({ kind: 'answered', status: answer.statusCode ?? 502, headers: rest, answer: Buffer.concat(parts) });
          });
          answer.on('error', () => resolve({ kind: 'failed' }));
          answer.on('aborted', () => resolve({ kind: 'failed' }));
        },
      );
      out.on('error', (err: NodeJS.ErrnoException) => resolve(notConnected(err) ? { kind: 'refused' } : { kind: 'failed' }));
      out.end(body);
    });
  }
}

function parseDuplicate(answer: Buffer): boolean | undefined {
  try {
    const parsed = JSON.parse(answer.toString('utf8')) as { duplicate?: unknown };
    return typeof parsed.duplicate === 'boolean' ? parsed.duplicate : undefined;
  } catch {
    return undefined;
  }
}

function requestIdOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { request_id?: unknown };
    return typeof parsed.request_id === 'string' ? parsed.request_id : undefined;
  } catch {
    return undefined;
  }
}
