import type { ServerResponse } from 'node:http';
import { TapesError } from '@tapes/nest-kit';

/** undici's codes for "the upstream took too long" before any response arrived. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

/**
 * The one place an upstream failure before the response headers becomes an answer for the client
 * (style: proxy errors). A timeout reaching or hearing from the upstream is 504 `upstream_timeout`;
 * everything else (refused, reset, DNS, TLS, a request undici cannot send) is 502
 * `upstream_unreachable`. The undici error stays reachable as `cause` for the log line.
 */
export function upstreamFailure(err: unknown, upstream: string): TapesError {
  const code = errorCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const what = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connecting to' : 'waiting for the response headers of';
    return new TapesError('upstream_timeout', `timed out ${what} ${upstream}`, { cause: err });
  }
  return new TapesError('upstream_unreachable', `could not reach ${upstream}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}`, { cause: err });
}

/**
 * Answers a failed exchange with `{error:{code,message}}` and the status of `HTTP_STATUS`.
 * Exchanges bypass Nest (see proxy-server.ts), so its exception filter never sees these; this
 * writes them by hand from the same code table. If headers already went out, the only honest
 * signal left is to cut the connection.
 */
export function writeFailure(res: ServerResponse, error: TapesError, options: { close?: boolean } = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.body());
  // `close`: the request body was not read to its end, so the connection cannot carry another request.
  res.writeHead(error.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...(options.close ? { connection: 'close' } : {}) });
  res.end(body);
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
