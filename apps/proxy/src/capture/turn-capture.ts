import type { IncomingHttpHeaders } from 'node:http';
import { capturedTurn, ChunkTimeline, turnPolicy, type CapturedTurn, type DropReason, type Interruption, type Reducer } from '@tapes/capture';
import type { ByteBudget } from '@tapes/delivery';

/** What is known about an exchange when its capture begins. */
export interface TurnCaptureContext {
  /** Generated once per exchange: the idempotency key of every later delivery attempt. */
  requestId: string;
  /** The provider the exchange is routed to (metrics label). */
  provider: string;
  reducer: Reducer;
  agentName: string | undefined;
  /** Why the agent name was sanitised (#13), when it was. */
  agentNameIssue?: string | undefined;
  method: string;
  /** The upstream path and query (credentials are redacted when the turn is built). */
  path: string;
  requestHeaders: IncomingHttpHeaders;
  startedAt: Date;
}

export interface TurnCaptureHooks {
  /** The capture gave up (the turn is not recorded); its budget is already released. */
  dropped(context: TurnCaptureContext, reason: DropReason, detail: string): void;
  /**
   * The exchange ended with a turn. The hook owns the turn and `heldBytes` of the budget from now
   * on; what it returns is awaited before the client's response is ended (the journal write).
   */
  finished(turn: CapturedTurn, heldBytes: number): Promise<unknown>;
}

/**
 * The capture copy of one exchange that may be a turn: the request bytes and the raw response
 * bytes as received (still encoded), nothing more. Decoding, reduction and hashing happen off the
 * forwarding thread (the storage worker, `toTurnRecord`), so the hot path only keeps references to
 * the chunks it already has.
 *
 * Memory is bounded twice: each body by `maxBodyBytes` (over it: `request_over_budget` /
 * `response_over_budget`), and all captures together by the shared {@link ByteBudget}, acquired
 * chunk by chunk (over it: `capture_budget`). Either way the capture stops and is counted while
 * forwarding goes on untouched. Nothing here throws into the forwarding path.
 */
export class TurnCapture {
  readonly isTurn = true;
  private readonly requestChunks: Buffer[] = [];
  private requestBytes = 0;
  private responseChunks: Buffer[] = [];
  private responseBytes = 0;
  /** Budget bytes held for the response: its declared Content-Length up front, or its chunks so far. */
  private responseHeld = 0;
  private held = 0;
  private status = 0;
  private responseHeaders: IncomingHttpHeaders = {};
  private firstByteAt: Date | undefined;
  /** Chunk boundaries and arrival times, for `tapes replay --timing recorded` (#16); bounded. */
  private readonly chunkTimes = new ChunkTimeline();
  private state: 'request' | 'response' | 'done' = 'request';

  constructor(
    readonly context: TurnCaptureContext,
    private readonly budget: ByteBudget,
    private readonly maxBodyBytes: number,
    private readonly hooks: TurnCaptureHooks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get active(): boolean {
    return this.state !== 'done';
  }

  /** A request body chunk, as it is sent upstream. */
  requestChunk(chunk: Buffer): void {
    if (this.state !== 'request') return;
    this.requestBytes += chunk.byteLength;
    if (this.requestBytes > this.maxBodyBytes) return this.drop('request_over_budget', `request body over the ${this.maxBodyBytes}-byte capture limit`);
    if (!this.hold(chunk.byteLength)) return;
    this.requestChunks.push(chunk);
  }

  /**
   * The upstream answered. Only a 200 is a turn (the shared turn policy); anything else ends the
   * capture as `upstream_status`. Returns whether response chunks should be shown to {@link responseChunk}.
   */
  responseStarted(status: number, headers: IncomingHttpHeaders): boolean {
    if (this.state !== 'request') return false;
    const verdict = turnPolicy.status(status);
    if (!verdict.turn) {
      this.drop(verdict.reason, verdict.detail);
      return false;
    }
    // A response that says how big it is is admitted whole or not at all (#12): reserving its
    // Content-Length up front means a big turn that fits is kept, and one that does not fit is
    // dropped at once instead of taking a share of the budget other captures then miss.
    const declared = Number(headers['content-length']);
    if (Number.isSafeInteger(declared) && declared > 0) {
      if (declared > this.maxBodyBytes) {
        this.drop('response_over_budget', `response body of ${declared} bytes (Content-Length) over the ${this.maxBodyBytes}-byte capture limit`);
        return false;
      }
      if (!this.hold(declared)) return false;
      this.responseHeld = declared;
    }
    this.status = status;
    this.responseHeaders = headers;
    this.state = 'response';
    return true;
  }

  /** A response body chunk, after it was handed on to the client. */
  responseChunk(chunk: Buffer): void {
    if (this.state !== 'response') return;
    const now = this.now();
    this.firstByteAt ??= now;
    this.chunkTimes.add(chunk.byteLength, now.getTime() - this.context.startedAt.getTime());
    this.responseBytes += chunk.byteLength;
    if (this.responseBytes > this.maxBodyBytes) return this.drop('response_over_budget', `response body over the ${this.maxBodyBytes}-byte capture limit`);
    // Only what goes past the reservation is asked for (a chunked stream: every chunk).
    const more = this.responseBytes - this.responseHeld;
    if (more > 0) {
      if (!this.hold(more)) return;
      this.responseHeld += more;
    }
    this.responseChunks.push(chunk);
  }

  /**
   * The exchange is over: the body ended, or was cut (`interruption` says why). Resolves when the
   * turn is safe (journaled); the forwarding path waits for it before ending a complete response,
   * so a client never sees the end of a turn a crash could still lose. A capture that never got a
   * response (the upstream failed first) has no turn: `upstream_no_response`.
   */
  finish(interruption?: Interruption): Promise<unknown> | undefined {
    if (this.state === 'done') return undefined;
    if (this.state === 'request') {
      this.drop('upstream_no_response', interruption ? `${interruption.reason}: ${interruption.detail}` : 'no response from the upstream');
      return undefined;
    }
    this.state = 'done';
    const { context } = this;
    const turn = capturedTurn({
      requestId: context.requestId,
      site: 'proxy',
      provider: context.reducer.provider,
      api: context.reducer.api,
      agentName: context.agentName,
      agentNameIssue: context.agentNameIssue,
      method: context.method,
      path: context.path,
      status: this.status,
      requestHeaders: context.requestHeaders,
      responseHeaders: this.responseHeaders,
      requestBody: Buffer.concat(this.requestChunks, this.requestBytes),
      responseBody: Buffer.concat(this.responseChunks, this.responseBytes),
      interruption,
      startedAt: context.startedAt,
      firstByteAt: this.firstByteAt,
      endedAt: this.now(),
      responseChunks: this.chunkTimes.toMarks(),
    });
    this.requestChunks.length = 0;
    this.responseChunks = [];
    const held = this.held;
    this.held = 0;
    return this.hooks.finished(turn, held);
  }

  /** Gives up on this capture (counted under `reason`); the budget it held is returned. */
  drop(reason: DropReason, detail: string): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.requestChunks.length = 0;
    this.responseChunks = [];
    this.budget.release(this.held);
    this.held = 0;
    this.hooks.dropped(this.context, reason, detail);
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
