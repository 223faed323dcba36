import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ExchangeEnd } from '../exchange/exchange-end';
import type { Exchange, StreamClose } from '../exchange/exchange';
import type { ProcessingKind, ProcessingRequest } from './processing-messages';

/** The bidi call as the handler sees it: decoded requests in, reply case names out (pre-encoded). */
export type ProcessCall = ServerDuplexStream<ProcessingRequest, ProcessingKind>;

export interface ProcessCallHooks {
  /** Called once per message, after the reply was written. */
  onMessage(kind: ProcessingKind | 'unknown'): void;
  /** Called exactly once, when the exchange is decided (by a message or by the stream closing). */
  onEnd(end: ExchangeEnd): void;
  /** Called once when the stream is over, whatever happened. */
  onClosed(): void;
  /** Capture failed on a bug of ours; traffic is unaffected, the exchange is abandoned. */
  onCaptureError(err: unknown, exchange: Exchange): void;
}

/**
 * Serves one `Process` stream (one HTTP exchange). The rule that keeps Envoy unaffected
 * (docs/ext-proc.md §4.3): unless the message says `observability_mode`, write the empty CONTINUE
 * reply of the matching case *first*, synchronously, then hand the message to capture, which
 * never awaits. Half-close, cancel and error all end the exchange once and release what it held.
 */
export class ProcessCallHandler {
  private closed = false;
  private failed = false;

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
    if (!this.failed) this.settle(() => this.exchange.onStreamClosed(how, detail));
    this.hooks.onClosed();
  }

  private onData(message: ProcessingRequest): void {
    const kind = message.request;
    if (kind !== undefined && message.observability_mode !== true && !this.call.cancelled && this.call.writable) this.call.write(kind);
    this.hooks.onMessage(kind ?? 'unknown');
    if (!this.failed && !this.closed) this.settle(() => this.exchange.onMessage(message));
  }

  private abandon(): ExchangeEnd | undefined {
    try {
      return this.exchange.abandon();
    } catch (err) {
      this.hooks.onCaptureError(err, this.exchange);
      return undefined;
    }
  }

  private settle(step: () => ExchangeEnd | undefined): void {
    let end: ExchangeEnd | undefined;
    try {
      end = step();
    } catch (err) {
      // A capture bug must never reach Envoy: the replies go on, this exchange is given up.
      this.failed = true;
      this.hooks.onCaptureError(err, this.exchange);
      end = this.abandon();
    }
    if (end) this.hooks.onEnd(end);
  }
}
