import type { Interruption } from '../reducer';
import { redactHeaders, redactQuery, type HeaderRecord } from '../policy/redaction';
import type { CaptureSite } from './turn-record';
import type { ChunkMark } from './chunk-timeline';

/**
 * One exchange that passed the turn policy, exactly as a capture site took it: the raw request and
 * response bytes (still content-encoded) and what is known about them. Every site — the proxy in
 * process, the sidecar from Envoy's messages, ingest from a posted envelope — produces this one
 * shape, and `toTurnRecord` turns it into the stored record the same way for all of them.
 *
 * Credentials are already gone: {@link capturedTurn} redacts headers and the query before anything
 * (journal, spool, ingest payload, log) sees the turn.
 */
export interface CapturedTurn {
  /** Idempotency key of every later storage or delivery attempt. */
  readonly requestId: string;
  readonly site: CaptureSite;
  readonly provider: string;
  readonly api: string;
  readonly agentName?: string | undefined;
  /** Set when the name the agent sent was refused and `agentName` is its sanitised form (#13): why; stored as a diagnostic. */
  readonly agentNameIssue?: string | undefined;
  readonly method: string;
  /** The upstream path with its query, credential values redacted. */
  readonly path: string;
  readonly status: number;
  readonly requestHeaders: HeaderRecord;
  readonly responseHeaders: HeaderRecord;
  readonly requestBody: Uint8Array;
  /** The response bytes exactly as the upstream sent them. */
  readonly responseBody: Uint8Array;
  /** `content-type` of the response (from its headers unless the site knew better). */
  readonly responseContentType?: string | undefined;
  /** `content-encoding` of the response (from its headers unless the site knew better). */
  readonly responseContentEncoding?: string | undefined;
  /** Set when the exchange was cut before the response's end: why. */
  readonly interruption?: Interruption | undefined;
  readonly startedAt: Date;
  readonly firstByteAt?: Date | undefined;
  readonly endedAt: Date;
  /** When each response chunk arrived (a {@link ChunkTimeline}'s marks); absent from sites and journal records that predate #16. */
  readonly responseChunks?: readonly ChunkMark[] | undefined;
}

/** What a site knows, headers as they came (`capturedTurn` redacts them). */
export type CapturedExchange = Omit<CapturedTurn, 'requestHeaders' | 'responseHeaders'> & {
  readonly requestHeaders: Record<string, string | string[] | number | undefined> | undefined;
  readonly responseHeaders: Record<string, string | string[] | number | undefined> | undefined;
};

/**
 * The one way a site makes a {@link CapturedTurn}: header and query credentials redacted, and the
 * response's content type and encoding taken from its headers when the site did not name them.
 */
export function capturedTurn(exchange: CapturedExchange): CapturedTurn {
  const requestHeaders = redactHeaders(exchange.requestHeaders);
  const responseHeaders = redactHeaders(exchange.responseHeaders);
  return {
    ...exchange,
    path: redactQuery(exchange.path),
    requestHeaders,
    responseHeaders,
    responseContentType: exchange.responseContentType ?? headerValue(responseHeaders, 'content-type'),
    responseContentEncoding: exchange.responseContentEncoding ?? headerValue(responseHeaders, 'content-encoding'),
  };
}

/** A header's value (lower-case name), repeated values joined as HTTP joins them. */
export function headerValue(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}
