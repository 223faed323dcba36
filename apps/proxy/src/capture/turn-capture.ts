import type { IncomingHttpHeaders } from 'node:http';
import { ContentDecoder, type DropReason, type Interruption, type Reducer, type Reduction } from '@tapes/capture';
import type { ByteBudget } from '@tapes/delivery';

/** What is known about an exchange when its capture begins. */
export interface TurnCaptureContext {
  /** Generated once per exchange: the idempotency key of every later storage or spool attempt. */
  requestId: string;
  reducer: Reducer;
  agentName: string | undefined;
  method: string;
  /** The upstream path and query. */
  path: string;
  requestHeaders: IncomingHttpHeaders;
  startedAt: Date;
}

/** The response side, once the upstream answered 200. */
export interface CapturedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  firstByteAt: Date | undefined;
  body: Buffer;
  reduction: Reduction;
  decoder: ContentDecoder;
}

/** Everything a finished capture holds; the recorder turns it into a stored turn. */
export interface FinishedCapture {
  context: TurnCaptureContext;
  requestBody: Buffer;
  response: CapturedResponse;
  endedAt: Date;
  interruption: Interruption | undefined;
  /** Budget bytes this capture holds; whoever ends the turn's life releases them. */
  heldBytes: number;
}

export interface TurnCaptureHooks {
  /** The capture gave up (the turn is not recorded); its budget is already released. */
  dropped(capture: TurnCapture, reason: DropReason, detail: string): void;
  /** The exchange ended with a capture worth turning into a stored turn. */
  finished(capture: FinishedCapture): void;
}

/**
 * The capture copy of one exchange that may be a turn. It keeps the request bytes (the request
 * JSON is needed to build nodes) and the raw response bytes as received (stored verbatim, still
 * encoded), and feeds a content-decoded copy of the response into the reducer as it passes.
 *
 * Memory is bounded twice: each body by `maxBodyBytes`, and all captures together by the shared
 * {@link ByteBudget}, acquired chunk by chunk. Past either, the capture stops and is counted as
 * dropped (`capture_budget`) while forwarding goes on untouched. Nothing here throws into the
 * forwarding path, and nothing here waits.
 */
export class TurnCapture {
  private readonly requestChunks: Buffer[] = [];
  private requestBytes = 0;
  private responseChunks: Buffer[] = [];
  private responseBytes = 0;
  private held = 0;
  private response: Omit<CapturedResponse, 'body'> | undefined;
  private state: 'request' | 'response' | 'done' = 'request';

  constructor(
    readonly context: TurnCaptureContext,
    private readonly budget: ByteBudget,
    private readonly maxBodyBytes: number,
    private readonly hooks: TurnCaptureHooks,
  ) {}

  get active(): boolean {
    return this.state !== 'done';
  }

  /** A request body chunk, as it is sent upstream. */
  requestChunk(chunk: Buffer): void {
    if (this.state !== 'request') return;
    this.requestBytes += chunk.byteLength;
    if (this.requestBytes > this.maxBodyBytes) return this.drop('capture_budget', `request body over the ${this.maxBodyBytes}-byte capture limit`);
    if (!this.hold(chunk.byteLength)) return;
    this.requestChunks.push(chunk);
  }

  /**
   * The upstream answered. Only a 200 is a turn (design §7); anything else ends the capture as
   * `upstream_status`. Returns whether the response body should be shown to {@link responseChunk}.
   */
  responseStarted(status: number, headers: IncomingHttpHeaders): boolean {
    if (this.state !== 'request') return false;
    if (status !== 200) {
      this.drop('upstream_status', `upstream answered ${status}`);
      return false;
    }
    const contentType = singleHeader(headers['content-type']);
    const contentEncoding = singleHeader(headers['content-encoding']);
    // The decoded copy is capped like the raw one: a body that inflates past it is a decode
    // error on the stored turn (the bomb guard), not memory the proxy gives away.
    const reduction = this.context.reducer.start({ contentType, maxBytes: this.maxBodyBytes });
    const decoder = new ContentDecoder(contentEncoding, { maxDecodedBytes: this.maxBodyBytes, onData: (decoded) => reduction.push(decoded) });
    this.response = { status, headers, contentType, contentEncoding, firstByteAt: undefined, reduction, decoder };
    this.state = 'response';
    return true;
  }

  /** A response body chunk, after it was handed on to the client. */
  responseChunk(chunk: Buffer): void {
    const response = this.response;
    if (this.state !== 'response' || !response) return;
    response.firstByteAt ??= new Date();
    this.responseBytes += chunk.byteLength;
    if (this.responseBytes > this.maxBodyBytes) return this.drop('capture_budget', `response body over the ${this.maxBodyBytes}-byte capture limit`);
    if (!this.hold(chunk.byteLength)) return;
    this.responseChunks.push(chunk);
    response.decoder.write(chunk);
  }

  /**
   * The exchange is over: the body ended, or was cut (`interruption` says why). A capture that
   * never got a response (the upstream failed first) has no turn to record.
   */
  finish(interruption?: Interruption): void {
    if (this.state === 'done') return;
    const response = this.response;
    if (this.state === 'request' || !response) {
      this.drop('empty_response', interruption ? `${interruption.reason}: ${interruption.detail}` : 'no response from the upstream');
      return;
    }
    this.state = 'done';
    const body = Buffer.concat(this.responseChunks, this.responseBytes);
    const requestBody = Buffer.concat(this.requestChunks, this.requestBytes);
    this.responseChunks = [];
    this.requestChunks.length = 0;
    this.hooks.finished({ context: this.context, requestBody, response: { ...response, body }, endedAt: new Date(), interruption, heldBytes: this.held });
  }

  /** Gives up on this capture (counted under `reason`); the budget it held is returned. */
  drop(reason: DropReason, detail: string): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.requestChunks.length = 0;
    this.responseChunks = [];
    if (this.response) this.response.decoder.end().catch(() => undefined); // releases zlib resources
    this.budget.release(this.held);
    this.held = 0;
    this.hooks.dropped(this, reason, detail);
  }

  private hold(bytes: number): boolean {
    if (!this.budget.tryAcquire(bytes)) {
      this.drop('capture_budget', `capture budget of ${this.budget.capacity} bytes is full`);
      return false;
    }
    this.held += bytes;
    return true;
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
