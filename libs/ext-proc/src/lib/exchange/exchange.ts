import { randomUUID } from 'node:crypto';
import { AGENT_HEADER, capturedTurn, ChunkTimeline, MAX_CHUNK_MARKS, resolveAgentRoute, turnPolicy, type HeaderRecord, type Interruption, type Reducer } from '@tapes/capture';
import type { ByteBudget } from '@tapes/delivery';
import type { HttpBodyMessage, HttpHeadersMessage, ProcessingRequest } from '../wire/processing-messages';
import type { CaptureDropReason, ExchangeEnd, NotRecordedReason } from './exchange-end';
import { firstHeader, headerRecord } from './header-map';
import { ownBytes } from './own-bytes';

export interface ExchangeOptions {
  readonly reducers: readonly Reducer[];
  /** Shared by every exchange and every undelivered turn of the process. */
  readonly budget: ByteBudget;
  /** Largest request or response body captured for one exchange. */
  readonly maxBodyBytes: number;
  readonly now?: () => Date;
  readonly newRequestId?: () => string;
}

/** How the gRPC stream closed, for an exchange that had not completed by then. */
export type StreamClose = 'end' | 'cancelled' | 'error';

/** A body side being collected: chunks kept as they arrived, concatenated once at the end. */
class BodyBuffer {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  complete = false;

  take(): Buffer {
    const body = Buffer.concat(this.chunks, this.bytes);
    this.chunks.length = 0;
    return body;
  }
}

/**
 * The capture state of one ext_proc stream, which is one HTTP exchange (docs/ext-proc.md §1).
 * Fed every message in order; returns an {@link ExchangeEnd} the moment the exchange is decided,
 * and nothing for every message after that.
 *
 * - Request headers decide eligibility (the shared turn policy: POST to a turn endpoint). Anything
 *   else ends at once as `not_recorded` and keeps no bytes.
 * - Response headers: anything but `:status 200` ends as `not_recorded` (the status policy) and
 *   frees what was kept.
 * - Complete on the first of response `end_of_stream` (body or headers) or response trailers
 *   (which replace the end-of-stream body message when trailers are sent, §4.1).
 * - A stream that closes first (cancel, error, half-close) still yields the turn when the request
 *   was whole and a 200 had begun, marked `interrupted`: the client commonly closes right after
 *   the last event, before Envoy sees the upstream's end (§4.2). Ingest's reducer decides whether
 *   the bytes are nonetheless complete.
 *
 * Everything kept is reserved on the shared {@link ByteBudget} first, at its size in the ingest
 * payload (bodies base64: 4/3; headers as JSON; a fixed allowance for the envelope); when the
 * budget refuses, the exchange is dropped as `capture_budget` and keeps nothing. Never throws on wire input and never awaits: the gRPC
 * handler has already replied to Envoy before calling it.
 */
export class Exchange {
  private ended = false;
  private eligibleFor: { reducer: Reducer; path: string; agentName?: string; agentNameIssue?: string } | undefined;
  private requestId: string | undefined;
  private requestHeaders: HeaderRecord = {};
  private responseHeaders: HeaderRecord | undefined;
  private status: number | undefined;
  private readonly request = new BodyBuffer();
  private readonly response = new BodyBuffer();
  private reserved = 0;
  private startedAt: Date | undefined;
  private firstByteAt: Date | undefined;
  /** Response chunk boundaries and arrival times, for `tapes replay --timing recorded` (#16); bounded. */
  private readonly chunkTimes = new ChunkTimeline();
  private chunkMarksReserved = 0;
  private readonly now: () => Date;

  constructor(private readonly options: ExchangeOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The exchange's request id once its headers arrived (for logs). */
  get id(): string | undefined {
    return this.requestId;
  }

  /** The provider while the exchange is a turn under way (admitted by the turn policy, not ended). */
  get turnProvider(): string | undefined {
    return this.ended ? undefined : this.eligibleFor?.reducer.provider;
  }

  onMessage(message: ProcessingRequest): ExchangeEnd | undefined {
    if (this.ended) return undefined;
    switch (message.request) {
      case 'request_headers':
        return this.onRequestHeaders(message.request_headers);
      case 'request_body':
        return this.onBody(this.request, message.request_body);
      case 'request_trailers':
        this.request.complete = true;
        return undefined;
      case 'response_headers':
        return this.onResponseHeaders(message.response_headers);
      case 'response_body':
        return this.onBody(this.response, message.response_body);
      case 'response_trailers':
        return this.onResponseEnd();
      default:
        return undefined; // a message kind this proto does not know: nothing to capture
    }
  }

  /**
   * The gRPC stream closed. Ends an exchange that had not ended yet with the best that can be
   * said about it; undefined when it had already ended.
   */
  onStreamClosed(how: StreamClose, detail?: string): ExchangeEnd | undefined {
    if (this.ended) return undefined;
    if (this.requestId === undefined) return this.end({ outcome: 'empty' });
    if (!this.request.complete) return this.drop('request_incomplete');
    if (this.status === undefined) return this.drop('upstream_no_response');
    const why = how === 'end' ? 'Envoy closed the ext_proc stream' : how === 'cancelled' ? 'the ext_proc stream was cancelled' : `the ext_proc stream failed${detail ? ` (${detail})` : ''}`;
    return this.complete({ reason: 'client_disconnect', detail: `${why} before the response's end of stream, after ${this.response.bytes} body bytes` });
  }

  /**
   * Gives the exchange up after a capture bug: frees what it holds and ends it as
   * `capture_error` (or `empty` before classification). Undefined when it had already ended.
   */
  abandon(): ExchangeEnd | undefined {
    if (this.ended) return undefined;
    if (this.requestId === undefined || !this.eligibleFor) return this.end({ outcome: 'empty' });
    return this.drop('capture_error');
  }

  private onRequestHeaders(message: HttpHeadersMessage | null | undefined): ExchangeEnd | undefined {
    if (this.requestId !== undefined) return undefined; // Envoy sends them once; ignore a repeat
    const headers = headerRecord(message?.headers);
    this.startedAt = this.now();
    this.requestId = usableRequestId(firstHeader(headers, 'x-request-id')) ?? (this.options.newRequestId ?? randomUUID)();
    this.requestHeaders = headers;
    // The agent and the path as the provider sees it (ref §5.2), then the shared turn policy.
    const route = resolveAgentRoute(firstHeader(headers, ':path') ?? '/', headers[AGENT_HEADER]);
    const verdict = turnPolicy.request({ method: firstHeader(headers, ':method'), path: route.path, provider: route.provider, reducers: this.options.reducers });
    if (!verdict.turn) return this.notRecorded(verdict.reason, route.provider);
    this.eligibleFor = { reducer: verdict.reducer, path: route.path, ...(route.agentName ? { agentName: route.agentName } : {}), ...(route.agentNameIssue ? { agentNameIssue: route.agentNameIssue } : {}) };
    if (!this.reserve(ENVELOPE_OVERHEAD_BYTES + jsonBytes(headers))) return this.drop('capture_budget');
    if (message?.end_of_stream === true) this.request.complete = true;
    return undefined;
  }

  private onResponseHeaders(message: HttpHeadersMessage | null | undefined): ExchangeEnd | undefined {
    if (this.requestId === undefined || this.responseHeaders !== undefined) return undefined;
    const headers = headerRecord(message?.headers);
    this.responseHeaders = headers;
    const statusText = firstHeader(headers, ':status');
    const status = statusText === undefined ? Number.NaN : Number(statusText);
    const verdict = turnPolicy.status(Number.isInteger(status) ? status : undefined);
    if (!verdict.turn) return this.notRecorded(verdict.reason, this.eligibleFor?.reducer.provider);
    this.status = status;
    if (!this.reserve(jsonBytes(headers))) return this.drop('capture_budget');
    return message?.end_of_stream === true ? this.onResponseEnd() : undefined;
  }

  private onBody(side: BodyBuffer, message: HttpBodyMessage | null | undefined): ExchangeEnd | undefined {
    if (this.requestId === undefined) return undefined; // no headers yet: nothing to attach it to
    const chunk = message?.body;
    if (chunk && chunk.length > 0) {
      if (side.bytes + chunk.length > this.options.maxBodyBytes) return this.drop(side === this.request ? 'request_over_budget' : 'response_over_budget');
      // The turn's chunk timeline travels in the payload too: one mark per response chunk, up to its cap.
      const markBytes = side === this.response && this.chunkMarksReserved < MAX_CHUNK_MARKS ? CHUNK_MARK_PAYLOAD_BYTES : 0;
      if (!this.reserve(payloadBytes(chunk.length) + markBytes)) return this.drop('capture_budget');
      if (markBytes > 0) this.chunkMarksReserved += 1;
      side.chunks.push(ownBytes(chunk));
      side.bytes += chunk.length;
      if (side === this.response) {
        const now = this.now();
        this.firstByteAt ??= now;
        this.chunkTimes.add(chunk.length, now.getTime() - (this.startedAt ?? now).getTime());
      }
    }
    if (message?.end_of_stream !== true) return undefined;
    if (side === this.request) {
      this.request.complete = true;
      return undefined;
    }
    return this.onResponseEnd();
  }

  private onResponseEnd(): ExchangeEnd | undefined {
    if (this.status === undefined) return undefined; // trailers without headers cannot happen; wait for the close
    this.response.complete = true;
    // The upstream answered before the request was whole: the request we hold is a fragment.
    if (!this.request.complete) return this.drop('request_incomplete');
    return this.complete(undefined);
  }

  private reserve(bytes: number): boolean {
    if (!this.options.budget.tryAcquire(bytes)) return false;
    this.reserved += bytes;
    return true;
  }

  private complete(interruption: Interruption | undefined): ExchangeEnd {
    const target = this.eligibleFor;
    const requestId = this.requestId;
    const status = this.status;
    if (!target || requestId === undefined || status === undefined || !this.startedAt) throw new Error('exchange completed without its request and status'); // programmer error
    const turn = capturedTurn({
      requestId,
      site: 'sidecar',
      provider: target.reducer.provider,
      api: target.reducer.api,
      agentName: target.agentName,
      agentNameIssue: target.agentNameIssue,
      method: 'POST',
      path: target.path,
      status,
      // ext_proc pseudo-headers (`:path`, `:status`…) are kept: they are what Envoy saw.
      requestHeaders: this.requestHeaders,
      responseHeaders: this.responseHeaders ?? {},
      requestBody: this.request.take(),
      responseBody: this.response.take(),
      interruption,
      startedAt: this.startedAt,
      firstByteAt: this.firstByteAt,
      endedAt: this.now(),
      responseChunks: this.chunkTimes.toMarks(),
    });
    // The reservation now belongs to the turn; delivery releases it.
    const heldBytes = this.reserved;
    this.reserved = 0;
    return this.end({ outcome: 'captured', turn, heldBytes });
  }

  private notRecorded(reason: NotRecordedReason, provider: string | undefined): ExchangeEnd {
    return this.end({ outcome: 'not_recorded', reason, requestId: this.requestId ?? '', ...(provider ? { provider } : {}) });
  }

  private drop(reason: CaptureDropReason): ExchangeEnd {
    // Only an eligible exchange keeps bytes or waits for a response, so only it can be dropped.
    const provider = this.eligibleFor?.reducer.provider;
    if (!provider || this.requestId === undefined) throw new Error(`exchange dropped (${reason}) before it was classified`); // programmer error
    return this.end({ outcome: 'dropped', reason, requestId: this.requestId, provider });
  }

  private end(end: ExchangeEnd): ExchangeEnd {
    this.ended = true;
    this.request.chunks.length = 0;
    this.response.chunks.length = 0;
    if (this.reserved > 0) {
      this.options.budget.release(this.reserved);
      this.reserved = 0;
    }
    return end;
  }
}

/** Ingest keys turns by request id and refuses ids longer than this. */
const MAX_REQUEST_ID_LENGTH = 256;

/** Envoy's `x-request-id` when it can serve as the idempotency key; otherwise one is generated. */
function usableRequestId(header: string | undefined): string | undefined {
  const id = header?.trim();
  return id && id.length <= MAX_REQUEST_ID_LENGTH ? id : undefined;
}

/** The envelope's fixed fields (provider, path, ids, status, timestamps, field names). */
const ENVELOPE_OVERHEAD_BYTES = 512;

/** One `[offset,ms],` of `response_chunks` in the payload: two numbers of up to 10 digits and 4 characters. */
const CHUNK_MARK_PAYLOAD_BYTES = 24;

function jsonBytes(headers: HeaderRecord): number {
  return Buffer.byteLength(JSON.stringify(headers));
}

/** What `n` body bytes cost in the ingest payload, where bodies travel base64-encoded. */
export function payloadBytes(n: number): number {
  return 4 * Math.ceil(n / 3);
}
