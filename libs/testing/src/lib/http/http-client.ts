import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface ReceivedChunk {
  /** `performance.now()` when the chunk arrived. */
  at: number;
  bytes: Buffer;
}

export interface ClientResponse {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  chunks: ReceivedChunk[];
  /** Set when the response did not end cleanly (the connection was cut mid-body). */
  error?: Error;
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string;
  /** Called for each body chunk; return true to disconnect right there (a client that leaves). */
  onChunk?: (chunk: Buffer, received: number) => boolean | void;
}

/**
 * A raw HTTP/1.1 client (no decompression, no retries, a fresh connection per request) that
 * records every body chunk with its arrival time, so tests can compare bytes exactly and see
 * whether a stream was relayed as it came.
 */
export function send(url: string, options: SendOptions = {}): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: ReceivedChunk[] = [];
      let received = 0;
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        const response: ClientResponse = {
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks.map((c) => c.bytes)),
          chunks,
        };
        if (error) response.error = error;
        resolve(response);
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push({ at: performance.now(), bytes: chunk });
        received += chunk.byteLength;
        if (options.onChunk?.(chunk, received) === true) {
          req.destroy();
          finish(new Error('client disconnected on purpose'));
        }
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(res.complete ? undefined : new Error('response ended before it was complete')));
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
