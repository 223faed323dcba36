import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ExchangeEnd } from '../exchange/exchange-end';
import type { Exchange, StreamClose } from '../exchange/exchange';
import type { ProcessingKind, ProcessingRequest } from '../wire/processing-messages';

/** The bidi call as the handler sees it: decoded requests in, reply case names out (pre-encoded). */
export type ProcessCall = ServerDuplexStream<ProcessingRequest, ProcessingKind>;

export interface ProcessCallHooks {
  /**
   * Called once per message, after capture saw it. What it returns must be done before the reply
   * is written (the exchange's in-flight mark, before Envoy lets the response begin).
   */
  onMessage(kind: ProcessingKind | 'unknown'): Promise<unknown> | undefined | void;
  /**
   * Called exactly once, when the exchange is decided (by a message or by the stream closing).
   * What it returns (the turn's journal write) is done before the reply to the deciding message.
   */
  onEnd(end: ExchangeEnd): Promise<unknown> | undefined | void;
  /** Called once when the stream is over, whatever happened. */
  onClosed(): void;
  /** Capture failed on a bug of ours; traffic is unaffected, the exchange is abandoned. */
  onCaptureError(err: unknown, exchange: Exchange): void;
}

/**
 * Serves one `Process` stream (one HTTP exchange). Unless the message says `observability_mode`,
 * every message gets the empty CONTINUE reply of its case, in order (docs/ext-proc.md §4.3).
 * Capture sees the message first — synchronously, never throwing into the stream — and the reply
 * is written at once, except in two places where it waits for the journal (#12), so Envoy cannot
 * pass on to the client what a crash could still lose:
 *
 * - the reply to the message that completes a turn (the response's end of stream) waits for the
 *   turn's journal write: the client never has the end of a response whose turn is not on disk;
 * - the reply to the response headers waits for the exchange's in-flight mark (issued with the
 *   request headers, so written long before): a turn a crash cuts later is counted at the next start.
 *
 * Both are one write to the page cache, no fsync. Half-close, cancel and error all end the
 * exchange once and release what it held.
 */
export class ProcessCallHandler {
  private closed = false;
  private failed = false;
  /** Replies waiting for a journal write, in message order; undefined when none waits. */
  private replies: Promise<void> | undefined;

  constructor(
    private readonly call: ProcessCall,
    private readonly exchange: Exchange,
    private readonly hooks: ProcessCallHooks,
  ) {
    call.on('data', (message: ProcessingRequest) => this.onData(message));
    call.on('end', () => {
      // Envoy half-closed: answer with status OK so the stream completes cleanly (§4.4). A reset
      // also ends the readable side, just before 'cancelled': wait a turn to tell them apart.
      setImmediate(() => {
        if (call.cancelled) {
          this.close('cancelled');
          return;
        }
        call.end();
        this.close('end');
      });
    });
    call.on('cancelled', () => this.close('cancelled'));
    call.on('error', (err: Error) => this.close('error', err.message));
    call.on('close', () => this.close('cancelled'));
  }

  /** Ends the exchange as if the stream had closed (server shutdown cuts open streams). */
  close(how: StreamClose, detail?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.failed) void this.settle(() => this.exchange.onStreamClosed(how, detail));
    this.hooks.onClosed();
  }

  private onData(message: ProcessingRequest): void {
    const kind = message.request;
    const journaled = !this.failed && !this.closed ? this.settle(() => this.exchange.onMessage(message)) : undefined;
    const marked = this.hooks.onMessage(kind ?? 'unknown') ?? undefined;
    const gate = journaled && marked ? Promise.all([journaled, marked]) : (journaled ?? marked);
    if (kind !== undefined && message.observability_mode !== true) this.reply(kind, gate);
  }

  /** Writes `kind`'s reply once `gate` is done (never before an earlier reply); at once when nothing waits. */
  private reply(kind: ProcessingKind, gate: Promise<unknown> | undefined): void {
    if (!gate && !this.replies) return this.write(kind);
    const next: Promise<void> = Promise.all([this.replies, gate?.catch(() => undefined)]).then(() => {
      if (this.replies === next) this.replies = undefined;
      this.write(kind);
    });
    this.replies = next;
  }

  private write(kind: ProcessingKind): void {
    if (!this.call.cancelled && this.call.writable) this.call.write(kind);
  }

  private abandon(): ExchangeEnd | undefined {
    try {
      return this.exchange.abandon();
    } catch (err) {
      this.hooks.onCaptureError(err, this.exchange);
      return undefined;
    }
  }

  private settle(step: () => ExchangeEnd | undefined): Promise<unknown> | undefined {
    let end: ExchangeEnd | undefined;
    try {
      end = step();
    } catch (err) {
      // A capture bug must never reach Envoy: the replies go on, this exchange is given up.
      this.failed = true;
      this.hooks.onCaptureError(err, this.exchange);
      end = this.abandon();
    }
    if (!end) return undefined;
    try {
      return this.hooks.onEnd(end) ?? undefined;
    } catch (err) {
      this.hooks.onCaptureError(err, this.exchange);
      return undefined;
    }
  }
}
