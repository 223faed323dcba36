import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DropReason } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import type { ExchangeRoute } from '../routing/upstream-router';
import { TurnCapture, type FinishedCapture } from './turn-capture';
import { buildPendingTurn } from './pending-turn';
import { TurnQueue } from './turn-queue.service';

/**
 * Decides which exchanges are captured and turns finished captures into stored turns.
 *
 * Only a POST to a known turn endpoint is captured (design §7); every other exchange is counted
 * `non_turn_request` and only forwarded. A finished capture is completed off the forwarding path
 * (content decoding finishes asynchronously), its reduction closed, and queued for the storage
 * worker, which derives the nodes.
 */
@Injectable()
export class TurnRecorder {
  private readonly logger = new Logger(TurnRecorder.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly maxBodyBytes: number;
  private readonly project: string | undefined;

  constructor(
    @Inject(TAPES_CONFIG) config: ProxyConfig,
    private readonly budget: ByteBudget,
    private readonly queue: TurnQueue,
    private readonly metrics: ProxyMetrics,
  ) {
    this.maxBodyBytes = config.limits.maxCaptureBodyBytes;
    this.project = config.project;
  }

  /** A capture for this exchange, or undefined when it is not a turn (counted here). */
  begin(route: ExchangeRoute, method: string, requestHeaders: IncomingHttpHeaders, startedAt: Date): TurnCapture | undefined {
    if (!route.reducer) {
      this.metrics.dropped('non_turn_request');
      return undefined;
    }
    return new TurnCapture(
      { requestId: randomUUID(), reducer: route.reducer, agentName: route.agentName, method, path: route.upstreamPath, requestHeaders, startedAt },
      this.budget,
      this.maxBodyBytes,
      { dropped: (capture, reason, detail) => this.dropped(capture, reason, detail), finished: (finished) => this.track(this.complete(finished)) },
    );
  }

  /** Resolves once every finished capture has been handed to the queue (shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private dropped(capture: TurnCapture, reason: DropReason, detail: string): void {
    this.metrics.dropped(reason);
    const fields = { requestId: capture.context.requestId, provider: capture.context.reducer.provider, reason };
    // Budget and size drops lose a turn the user expected: say so. Non-200s are routine.
    if (reason === 'upstream_status' || reason === 'empty_response') this.logger.debug(fields, `turn not recorded: ${detail}`);
    else this.logger.warn(fields, `turn not recorded: ${detail}`);
  }

  private async complete(finished: FinishedCapture): Promise<void> {
    const { context } = finished;
    try {
      const decoded = await finished.response.decoder.end();
      this.queue.enqueue(buildPendingTurn(finished, decoded, this.project), finished.heldBytes);
    } catch (err) {
      // Only a bug lands here (reductions keep bad input as data): count it, free the bytes.
      this.budget.release(finished.heldBytes);
      this.metrics.dropped('reducer_error');
      this.logger.error({ err, requestId: context.requestId, provider: context.reducer.provider }, 'turn lost: completing the capture failed');
    }
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }
}
