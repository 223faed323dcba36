import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the mock upstream received it. */
export interface UpstreamRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type UpstreamHandler = (request: UpstreamRequest, res: ServerResponse) => unknown;

/**
 * A real HTTP server on an ephemeral port playing a provider for the proxy (adapted from
 * apps/proxy/test/support/mock-upstream.ts): the installed handler answers (a fixture replayed in
 * pieces, an error status, silence, a cut). Requests are recorded with their bodies.
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
        const request: UpstreamRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        upstream.requests.push(request);
        Promise.resolve(upstream.handler(request, res)).catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))));
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

/** Writes `chunks` one per event-loop turn (so they leave as separate writes), then ends. */
export async function writeInPieces(res: ServerResponse, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    res.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}
