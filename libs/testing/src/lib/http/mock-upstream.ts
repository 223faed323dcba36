import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the mock upstream received it. */
export interface UpstreamRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export type UpstreamHandler = (request: UpstreamRequest, res: ServerResponse, raw: IncomingMessage) => unknown;

/**
 * A real HTTP server on an ephemeral port that plays a provider: each test installs the handler
 * that answers (a fixture replayed whole or frame by frame, an error, silence). Requests are
 * recorded with their full body, so tests can check what the proxy forwarded.
 */
export class MockUpstream {
  readonly requests: UpstreamRequest[] = [];
  private handler: UpstreamHandler = (_req, res) => {
    res.writeHead(404).end();
  };
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: http.Server) {}

  static async start(handler?: UpstreamHandler): Promise<MockUpstream> {
    const server = http.createServer();
    const upstream = new MockUpstream(server);
    if (handler) upstream.handle(handler);
    server.on('connection', (socket: Socket) => {
      upstream.sockets.add(socket);
      socket.on('close', () => upstream.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: UpstreamRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) };
        upstream.requests.push(request);
        Promise.resolve(upstream.handler(request, res, req)).catch((err: unknown) => {
          res.destroy(err instanceof Error ? err : new Error(String(err)));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  handle(handler: UpstreamHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Writes `frames` one by one, `gapMs` apart, recording when each left; then ends the response. */
export async function writeFrames(res: ServerResponse, frames: readonly Buffer[], gapMs: number, sentAt?: number[]): Promise<void> {
  for (let i = 0; i < frames.length; i++) {
    if (i > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    if (res.destroyed) return;
    sentAt?.push(performance.now());
    res.write(frames[i]);
  }
  res.end();
}

/** Writes `chunks` one per event-loop turn (so they leave as separate writes), then ends. */
export async function writeInPieces(res: ServerResponse, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    res.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}
