import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The raw-turn envelope the sidecar posts (apps/ingest's contract), as received. */
export interface ReceivedTurn {
  provider: string;
  api?: string;
  path: string;
  agent_name?: string;
  request_id: string;
  capture_site: string;
  request_body_base64: string;
  response_body_base64: string;
  response_content_type?: string;
  response_content_encoding?: string;
  request_headers: Record<string, string | string[]>;
  response_headers: Record<string, string | string[]>;
  status: number;
  interrupted?: { reason: string; detail: string };
  started_at: string;
  first_byte_at?: string;
  ended_at: string;
}

/**
 * How the fake answers `POST /v1/ingest`:
 * - `accept`: 202, idempotent on `request_id` (a replay is a 202 with `duplicate: true`);
 * - `unavailable`: 503 with `Retry-After: {@link FakeIngest.retryAfter}` (0 unless a test says otherwise);
 * - `reject`: 422 `{error:{code,message}}`;
 * - `unauthorized`: 401;
 * - `conflict`: 409, the request_id is stored with other content (#13);
 * - `hold`: accepts the request and answers only when `release()` is called.
 */
export type FakeIngestMode = 'accept' | 'unavailable' | 'reject' | 'unauthorized' | 'conflict' | 'hold';

/**
 * A stand-in for apps/ingest that implements its HTTP contract (design §6) on a real socket, for
 * delivery tests that need an ingest that fails on demand. It can also stop listening altogether
 * (connection refused) and come back on the same port.
 */
export class FakeIngest {
  mode: FakeIngestMode = 'accept';
  /** What a 503 (mode `unavailable`) says in `Retry-After`. */
  retryAfter = '0';
  /** Every POST body, in arrival order (replays included). */
  readonly posts: ReceivedTurn[] = [];
  /** When each of `posts` arrived (`performance.now()`, ms), index for index. */
  readonly postedAt: number[] = [];
  /** Stored turns by request_id (first write wins, as in ingest). */
  readonly stored = new Map<string, ReceivedTurn>();
  readonly authorizations: (string | undefined)[] = [];
  pings = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private held: Array<() => void> = [];
  private waiters: Array<() => void> = [];
  private portNumber = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeIngest> {
    const ingest = new FakeIngest();
    await ingest.listen(0);
    return ingest;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** Stops listening and drops open connections: the sidecar now sees connection refused. */
  async goAway(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async comeBack(): Promise<void> {
    await this.listen(this.portNumber);
  }

  /** Answers every held request (mode `hold`) as `accept` would. */
  release(): void {
    const held = this.held;
    this.held = [];
    held.forEach((answer) => answer());
  }

  /** Resolves once `predicate` holds, re-checked after every request. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.release();
    if (this.server.listening) await this.goAway();
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.portNumber = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/ping') {
      this.pings += 1;
      this.send(res, 200, { status: 'ok' });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/ingest') {
      this.send(res, 404, { error: { code: 'not_found', message: `${req.method} ${req.url}` } });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const turn = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedTurn;
    this.posts.push(turn);
    this.postedAt.push(performance.now());
    this.authorizations.push(req.headers.authorization);
    switch (this.mode) {
      case 'unavailable':
        this.send(res, 503, { error: { code: 'storage_unavailable', message: 'storage is down' } }, { 'retry-after': this.retryAfter });
        break;
      case 'reject':
        this.send(res, 422, { error: { code: 'unprocessable_turn', message: 'cannot parse request' } });
        break;
      case 'unauthorized':
        this.send(res, 401, { error: { code: 'unauthorized', message: 'bad token' } });
        break;
      case 'conflict':
        this.send(res, 409, { error: { code: 'conflict', message: `request_id ${JSON.stringify(turn.request_id)} is already stored with different content` } });
        break;
      case 'hold':
        this.held.push(() => this.accept(res, turn));
        break;
      case 'accept':
        this.accept(res, turn);
        break;
    }
    this.notify();
  }

  private accept(res: ServerResponse, turn: ReceivedTurn): void {
    const duplicate = this.stored.has(turn.request_id);
    if (!duplicate) this.stored.set(turn.request_id, turn);
    this.send(res, 202, { status: 'accepted', request_id: turn.request_id, duplicate });
    this.notify();
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
}
