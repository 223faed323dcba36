import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface ClientResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the response did not end cleanly (the connection was cut mid-body). */
  error?: Error;
}

/**
 * A raw HTTP/1.1 client as an agent's SDK is at the socket (no decompression, no retries, a fresh
 * connection per request), so tests compare the exact bytes the proxy relayed and see a cut body
 * as a cut body. Adapted from apps/proxy/test/support/http-client.ts.
 */
export function send(url: string, options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string } = {}): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish());
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(res.complete ? undefined : new Error('response ended before it was complete')));
    });
    req.end(options.body);
  });
}
