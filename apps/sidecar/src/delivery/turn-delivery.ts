import type { DropReason } from '@tapes/capture';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import { ByteBudget, deliverWithRetries, DiskSpool, SpoolDrainer, type BackoffPolicy, type DeliveryVerdict, type SpoolEntry } from '@tapes/delivery';
import type { SidecarConfig } from '../config/sidecar-config';
import type { CapturedTurn } from '../exchange/captured-turn';
import { SidecarMetrics, type DeliveryAttemptResult } from '../metrics/sidecar-metrics';
import { encodeIngestPayload } from './ingest-payload';
import { IngestClient, type IngestPostResult } from './ingest-client';

/** Why a captured turn was lost after capture; each is counted in `turns_dropped_total`. */
export type DeliveryDropReason = Extract<DropReason, 'capture_budget' | 'capture_error' | 'ingest_reject' | 'ingest_auth' | 'spool_full' | 'spool_error'>;

/** What travels with a payload: enough to count and log it without parsing the payload. */
interface TurnLabel {
  readonly requestId: string;
  readonly provider: string;
}

/**
 * Gets every captured turn to ingest, or to disk, or counts why not (design §3, §8).
 *
 * A turn is posted at once, with up to DELIVERY_MAX_ATTEMPTS attempts (exponential backoff, full
 * jitter, `Retry-After` honoured); when they are exhausted it is spooled. While the spool holds
 * anything, new turns are spooled directly: the drainer delivers oldest first, so capture order is
 * kept, and a down ingest costs one probe per backoff period instead of retries held in memory
 * for every new turn. Refusals (4xx) are never retried. Nothing here ever blocks the gRPC stream:
 * `submit` returns at once.
 *
 * The turn's share of the capture budget is held until it is delivered, spooled or dropped.
 */
@Injectable()
export class TurnDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(TurnDelivery.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly drainer: SpoolDrainer;
  private readonly backoff: BackoffPolicy;
  /** Refusal reasons of spooled items, between the handler's verdict and the drainer's removal. */
  private readonly refusals = new Map<string, IngestPostResult & { verdict: 'reject' }>();

  constructor(
    @Inject(TAPES_CONFIG) private readonly config: SidecarConfig,
    private readonly client: IngestClient,
    private readonly spool: DiskSpool,
    private readonly budget: ByteBudget,
    private readonly metrics: SidecarMetrics,
  ) {
    this.backoff = { initialMs: config.DELIVERY_RETRY_INITIAL_MS, maxMs: config.DELIVERY_RETRY_MAX_MS, maxRetryAfterMs: Math.max(config.DELIVERY_RETRY_MAX_MS, 300_000) };
    this.drainer = new SpoolDrainer(spool, (item, signal) => this.deliverSpooled(item.id, item.payload, signal), {
      backoff: this.backoff,
      onSettled: (entry, outcome) => this.spooledSettled(entry, outcome),
      onError: (err, entry) => this.logger.error({ err, requestId: entry.meta['request_id'], spoolId: entry.id }, 'spooled turn could not be read or removed; retrying'),
    });
  }

  /** Starts draining what a previous run left in the spool. */
  onApplicationBootstrap(): void {
    const { recovered, quarantined, partialRemoved } = this.spool.recovery;
    if (recovered + quarantined + partialRemoved > 0) this.logger.log({ recovered, quarantined, partialRemoved, dir: this.spool.dir }, 'spool recovered from the previous run');
    if (quarantined > 0) this.logger.error({ quarantined, dir: this.spool.dir }, 'damaged spool files were moved to quarantine/');
    this.drainer.start();
  }

  /**
   * Takes over a captured turn (and its budget reservation). Returns at once; the work happens
   * after the current event-loop turn, so the reply already written to Envoy is flushed first.
   */
  submit(turn: CapturedTurn): void {
    this.metrics.turnsCaptured.inc({ provider: turn.provider });
    const label: TurnLabel = { requestId: turn.requestId, provider: turn.provider };
    const task = this.deliverCaptured(turn, label)
      .catch((err: unknown) => this.drop(label, 'capture_error', `turn delivery failed unexpectedly: ${(err as Error).message}`, err))
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Turns handed over and not yet delivered, spooled or dropped. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves when every turn submitted so far has been delivered, spooled or dropped. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Shutdown, after the gRPC server has closed every stream (so every turn has been submitted):
   * retries in progress stop and their turns go to the spool; the drainer stops.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.idle();
    await this.drainer.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  private async deliverCaptured(turn: CapturedTurn, label: TurnLabel): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    let reserved = turn.reservedBytes;
    try {
      const payload = encodeIngestPayload(turn);
      // The reservation was made at the bodies' base64 size; settle it at the payload's true size.
      if (payload.length > reserved && !this.budget.tryAcquire(payload.length - reserved)) {
        this.drop(label, 'capture_budget', `payload of ${payload.length} bytes does not fit the capture budget`);
        return;
      }
      if (payload.length < reserved) this.budget.release(reserved - payload.length);
      reserved = payload.length;
      try {
        await this.deliverPayload(label, payload);
      } catch (err) {
        // A bug on the delivery path must not cost the turn: it is kept on disk instead.
        this.logger.error({ err, requestId: label.requestId }, 'turn delivery failed unexpectedly; spooling it');
        await this.park(label, payload, `delivery failed: ${(err as Error).message}`);
      }
    } finally {
      this.budget.release(reserved);
    }
  }

  private async deliverPayload(label: TurnLabel, payload: Buffer): Promise<void> {
    if (this.stopping.signal.aborted || this.spool.stats().depth > 0) {
      await this.park(label, payload, this.stopping.signal.aborted ? 'shutting down' : 'older turns are waiting in the spool');
      return;
    }
    let last: IngestPostResult | undefined;
    const outcome = await deliverWithRetries(
      async (_attempt, signal) => {
        last = await this.post(payload, signal);
        return verdictOf(last);
      },
      { maxAttempts: this.config.DELIVERY_MAX_ATTEMPTS, backoff: this.backoff, signal: this.stopping.signal, maxWaitMs: this.backoff.maxMs },
    );
    if (outcome.outcome === 'delivered') {
      this.metrics.turnsDelivered.inc({ provider: label.provider, via: 'direct' });
      this.logger.debug({ requestId: label.requestId, attempts: outcome.attempts }, 'turn delivered');
      return;
    }
    if (outcome.outcome === 'rejected' && last?.verdict === 'reject') {
      this.drop(label, last.reason, last.detail);
      return;
    }
    await this.park(label, payload, last && last.verdict !== 'delivered' ? last.detail : outcome.outcome);
  }

  private async park(label: TurnLabel, payload: Buffer, why: string): Promise<void> {
    try {
      const result = await this.spool.put(payload, { request_id: label.requestId, provider: label.provider });
      if (!result.stored) {
        this.drop(label, 'spool_full', `ingest unavailable (${why}) and the spool is full (${this.spool.stats().bytes} of ${this.spool.maxBytes} bytes)`);
        return;
      }
      this.metrics.turnsSpooled.inc({ provider: label.provider });
      this.logger.warn({ requestId: label.requestId, spoolId: result.id, why }, 'turn spooled');
    } catch (err) {
      this.metrics.turnsDropped.inc({ provider: label.provider, reason: 'spool_error' });
      this.logger.error({ err, requestId: label.requestId, why }, 'turn lost: ingest unavailable and the spool write failed');
    }
  }

  private async deliverSpooled(id: string, payload: Buffer, signal: AbortSignal): Promise<DeliveryVerdict> {
    const result = await this.post(payload, signal);
    if (result.verdict === 'reject') this.refusals.set(id, result);
    return verdictOf(result);
  }

  private spooledSettled(entry: SpoolEntry, outcome: 'delivered' | 'rejected'): void {
    const label: TurnLabel = { requestId: entry.meta['request_id'] ?? '', provider: entry.meta['provider'] ?? 'unknown' };
    const refusal = this.refusals.get(entry.id);
    this.refusals.delete(entry.id);
    if (outcome === 'delivered') {
      this.metrics.turnsDelivered.inc({ provider: label.provider, via: 'spool' });
      this.logger.log({ requestId: label.requestId, spoolId: entry.id }, 'spooled turn delivered');
      return;
    }
    this.drop(label, refusal?.reason ?? 'ingest_reject', refusal?.detail ?? 'refused by ingest');
  }

  private async post(payload: Buffer, signal: AbortSignal | undefined): Promise<IngestPostResult> {
    const started = process.hrtime.bigint();
    const result = await this.client.post(payload, signal);
    const attempt = attemptResult(result);
    this.metrics.deliveryAttempts.inc({ result: attempt });
    this.metrics.deliveryLatency.observe({ result: attempt }, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }

  private drop(label: TurnLabel, reason: DeliveryDropReason, detail: string, err?: unknown): void {
    this.metrics.turnsDropped.inc({ provider: label.provider, reason });
    this.logger.error({ requestId: label.requestId, provider: label.provider, reason, detail, ...(err ? { err } : {}) }, 'turn dropped');
  }
}

function verdictOf(result: IngestPostResult): DeliveryVerdict {
  if (result.verdict !== 'retry') return result.verdict;
  return result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : 'retry';
}

function attemptResult(result: IngestPostResult): DeliveryAttemptResult {
  switch (result.verdict) {
    case 'delivered':
      return result.duplicate ? 'duplicate' : 'delivered';
    case 'reject':
      return 'rejected';
    case 'retry':
      return result.cause;
  }
}
