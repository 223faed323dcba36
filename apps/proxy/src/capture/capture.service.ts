import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { turnPolicy, type DropReason, type Interruption, type Reducer } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { REDUCERS, TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import type { ExchangeRoute } from '../routing/upstream-router';
import { TurnCapture, type TurnCaptureContext } from './turn-capture';
import { TurnDelivery } from './turn-delivery';

/**
 * What forwarding tells capture about one exchange. For a turn it is a {@link TurnCapture}; for
 * anything else a stand-in that only decides, once the status is known, which reason the exchange
 * is counted under (the shared precedence: a failed probe is `upstream_status`, a successful one
 * `non_turn_request`).
 */
export interface ExchangeCapture {
  /** False for an exchange the policy already ruled out: its bodies need not pass through capture. */
  readonly isTurn: boolean;
  requestChunk(chunk: Buffer): void;
  /** Returns whether response chunks should be shown to `responseChunk`. */
  responseStarted(status: number, headers: IncomingHttpHeaders): boolean;
  responseChunk(chunk: Buffer): void;
  /** Resolves once the turn is safe (journaled); awaited before a complete response is ended. */
  finish(interruption?: Interruption): Promise<unknown> | undefined;
  drop(reason: DropReason, detail: string): void;
  /**
   * The write of the exchange's in-flight mark: awaited before the client sees the response
   * begin, so a turn a crash cuts afterwards is counted at the next start (`process_crash`).
   * Almost always done by then (it was issued before the request went upstream).
   */
  readonly inFlightMarked?: Promise<unknown> | undefined;
}

/**
 * Decides which exchanges are turns (the shared turn policy) and hands finished captures to
 * delivery: journaled first, then stored by the storage worker.
 */
@Injectable()
export class CaptureService {
  private readonly logger = new Logger(CaptureService.name);
  private readonly maxBodyBytes: number;
  /** Journal writes not yet done (a cut exchange's turn is handed over without anyone waiting). */
  private readonly accepting = new Set<Promise<unknown>>();

  constructor(
    @Inject(TAPES_CONFIG) config: ProxyConfig,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
    private readonly budget: ByteBudget,
    private readonly delivery: TurnDelivery,
    private readonly metrics: ProxyMetrics,
  ) {
    this.maxBodyBytes = config.limits.maxCaptureBodyBytes;
  }

  /** The capture of one exchange. */
  begin(route: ExchangeRoute, method: string, requestHeaders: IncomingHttpHeaders, startedAt: Date): ExchangeCapture {
    const verdict = turnPolicy.request({ method, path: route.path, provider: route.provider, reducers: this.reducers });
    if (!verdict.turn) return new NotATurn((reason) => this.metrics.capture.dropped(route.provider, reason));
    const context: TurnCaptureContext = { requestId: randomUUID(), provider: route.provider, reducer: verdict.reducer, agentName: route.agentName, agentNameIssue: route.agentNameIssue, method, path: route.upstreamPath, requestHeaders, startedAt };
    const tracked = this.delivery.track({ requestId: context.requestId, provider: context.provider });
    const capture = new TurnCapture(context, this.budget, this.maxBodyBytes, {
      dropped: (ctx, reason, detail) => {
        if (tracked) this.delivery.untrack(tracked);
        this.dropped(ctx, reason, detail);
      },
      finished: (turn, held) => {
        this.metrics.capture.turnsCaptured.inc({ provider: turn.provider });
        const accepted = this.delivery.accept(turn, held, tracked);
        this.accepting.add(accepted);
        void accepted.finally(() => this.accepting.delete(accepted));
        return accepted;
      },
    });
    return Object.assign(capture, { inFlightMarked: tracked?.written });
  }

  /** Resolves once every finished capture has been handed to delivery (shutdown). */
  async settled(): Promise<void> {
    while (this.accepting.size > 0) await Promise.allSettled([...this.accepting]);
  }

  private dropped(context: TurnCaptureContext, reason: DropReason, detail: string): void {
    this.metrics.capture.dropped(context.provider, reason);
    const fields = { requestId: context.requestId, provider: context.provider, reason };
    // Budget and size drops lose a turn the user expected: say so. Failed calls are routine.
    if (reason === 'upstream_status' || reason === 'upstream_no_response' || reason === 'client_disconnect') this.logger.debug(fields, `turn not recorded: ${detail}`);
    else this.logger.warn(fields, `turn not recorded: ${detail}`);
  }
}

/** An exchange that is not a turn: counted once, under the reason its status decides. */
class NotATurn implements ExchangeCapture {
  readonly isTurn = false;
  private counted = false;

  constructor(private readonly count: (reason: DropReason) => void) {}

  requestChunk(): void {
    // Not a turn: its bytes are forwarded, never held.
  }

  responseStarted(status: number): boolean {
    const verdict = turnPolicy.status(status);
    this.once(verdict.turn ? 'non_turn_request' : verdict.reason);
    return false;
  }

  responseChunk(): void {
    // Not a turn: its bytes are forwarded, never held.
  }

  finish(): undefined {
    this.once('non_turn_request');
    return undefined;
  }

  drop(): void {
    this.once('non_turn_request');
  }

  private once(reason: DropReason): void {
    if (this.counted) return;
    this.counted = true;
    this.count(reason);
  }
}
