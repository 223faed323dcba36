import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isRedacted, type Reducer } from '@tapes/capture';
import type { ExportTurn } from '@tapes/export';
import { ReplayIndex, type CapturedReply, type ClosestTurn, type ReplayMatch } from './replay-index';

/** `recorded`: each chunk when it arrived, relative to the request; `fast`: every chunk at once. */
export const REPLAY_TIMINGS = ['recorded', 'fast'] as const;
export type ReplayTiming = (typeof REPLAY_TIMINGS)[number];

/** What happened to one request, for the CLI's log lines. */
export type ReplayEvent =
  | { outcome: 'served'; method: string; path: string; turnId: string; requestId: string; how: 'exact' | 'conversation'; repeat: boolean; chunks: number; timed: boolean }
  | { outcome: 'miss'; method: string; path: string; closest: ClosestTurn | undefined }
  | { outcome: 'not_turn'; method: string; path: string; detail: string }
  | { outcome: 'refused'; method: string; path: string; detail: string };

export interface ReplayServerOptions {
  /** The session's turns, read with their bodies, oldest first. */
  turns: readonly ExportTurn[];
  reducers: readonly Reducer[];
  timing: ReplayTiming;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  onEvent?: (event: ReplayEvent) => void;
}

/** Largest request body read (the stores' own cap on a body). */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/** Hop-by-hop headers (RFC 9110 §7.6.1) and framing the replay sets itself: never copied from the capture. */
const NOT_REPLAYED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'content-length']);

/** Names the turn a response replays, so a log or a test can tell. */
export const REPLAY_HEADER = 'x-tapes-replay';

/**
 * A captured session served as a mock upstream (docs/replay.md): a request that matches a captured
 * turn gets that turn's status, headers and bytes — the body exactly as the provider sent it, in the
 * chunks it arrived in, each at its recorded moment (`recorded`) or at once (`fast`); anything else
 * gets a 404 naming the closest captured turn. `HEAD` answers 200 (Claude Code probes its base URL
 * before the first turn).
 */
export class ReplayServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly index: ReplayIndex,
  ) {}

  static async start(options: ReplayServerOptions): Promise<ReplayServer> {
    const index = await ReplayIndex.build(options.turns, options.reducers);
    const server = http.createServer();
    const replay = new ReplayServer(server, index);
    server.on('connection', (socket: Socket) => {
      replay.sockets.add(socket);
      socket.on('close', () => replay.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void replay.handle(req, res, options).catch((err: unknown) => {
        // A bug here must not take the server down with it: the client sees a 500 naming it.
        if (!res.headersSent) json(res, 500, { error: { code: 'replay_error', message: err instanceof Error ? err.message : String(err) } });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return replay;
  }

  /** `http://host:port`, the base URL to point an agent or SDK at. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, options: ReplayServerOptions): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const body = await readBody(req);
    const arrived = performance.now();
    const emit = (event: ReplayEvent) => options.onEvent?.(event);
    if (body === undefined) {
      emit({ outcome: 'refused', method, path, detail: `request body over ${MAX_REQUEST_BYTES} bytes` });
      return json(res, 413, { error: { code: 'body_too_large', message: `the request body is over ${MAX_REQUEST_BYTES} bytes` } });
    }
    if (method === 'HEAD') return void res.writeHead(200).end();
    const match: ReplayMatch = await this.index.match({ method, path, headers: req.headers, body });
    if (match.kind === 'not_turn') {
      emit({ outcome: 'not_turn', method, path, detail: match.detail });
      return json(res, 404, { error: { code: 'not_a_turn', message: `tapes replay serves captured turns only: ${match.detail}` } });
    }
    if (match.kind === 'miss') {
      emit({ outcome: 'miss', method, path, closest: match.closest });
      const closest = match.closest;
      const message = closest
        ? `no captured turn matches this request to ${match.endpoint}; the closest is turn ${closest.turn_id} (request ${closest.request_id}${closest.started_at ? `, ${closest.started_at}` : ''}), ${closest.difference_count} difference${closest.difference_count === 1 ? '' : 's'}: ${closest.differences
            .slice(0, 3)
            .map((d) => d.path)
            .join(', ')}`
        : `no captured turn matches this request to ${match.endpoint}; the session has no turn with stored bytes`;
      return json(res, 404, { error: { code: 'no_matching_turn', message }, ...(closest ? { closest } : {}) });
    }
    const { reply } = match;
    emit({ outcome: 'served', method, path, turnId: reply.turn.id, requestId: reply.turn.request_id, how: match.how, repeat: match.repeat, chunks: reply.chunks.length, timed: reply.timed });
    await play(res, reply, `turn=${reply.turn.id}; match=${match.how}`, options.timing, arrived);
  }
}

/** Writes the captured response: headers with the first chunk, each chunk at its time, honouring backpressure. */
async function play(res: ServerResponse, reply: CapturedReply, tag: string, timing: ReplayTiming, arrived: number): Promise<void> {
  const headers = replayHeaders(reply);
  headers[REPLAY_HEADER] = tag;
  let headed = false;
  const head = () => {
    if (headed) return;
    headed = true;
    res.writeHead(reply.status, headers);
  };
  for (const chunk of reply.chunks) {
    if (timing === 'recorded') await until(arrived + chunk.atMs, res);
    if (res.destroyed) return;
    head();
    if (chunk.end > chunk.start && !res.write(reply.body.subarray(chunk.start, chunk.end))) await drained(res);
  }
  if (res.destroyed) return;
  head();
  res.end();
}

function replayHeaders(reply: CapturedReply): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  let hadLength = false;
  for (const [name, value] of Object.entries(reply.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') hadLength = true;
    if (lower.startsWith(':') || NOT_REPLAYED.has(lower)) continue;
    // A credential the capture redacted means nothing to a client: leave the header out.
    const values = (Array.isArray(value) ? value : [value]).filter((v) => !isRedacted(v));
    if (values.length === 0) continue;
    out[lower] = values.length === 1 ? values[0] : values;
  }
  // A body the provider sent with a length keeps one (the bytes are the same); a stream stays chunked.
  if (hadLength) out['content-length'] = String(reply.body.byteLength);
  return out;
}

function until(at: number, res: ServerResponse): Promise<void> {
  const wait = at - performance.now();
  if (wait <= 0 || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
    res.once('close', done);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** The whole request body, or undefined past the cap (the rest is drained, not kept). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(bytes > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
