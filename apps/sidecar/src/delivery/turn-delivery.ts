import { Logger } from '@nestjs/common';
import { decodeCapturedTurn, encodeCapturedTurn, toIngestEnvelope, type CapturedTurn } from '@tapes/capture';
import { DeliveryKit, type AcceptOutcome, type ByteBudget, type DeliveryResult, type ItemLabel, type TrackedExchange } from '@tapes/delivery';
import type { SidecarConfig } from '../config/sidecar-config';
import type { SidecarMetrics } from '../metrics/sidecar-metrics';
import type { IngestClient, IngestPostResult } from './ingest-client';

/**
 * A turn whose POST keeps failing in a way that is neither an answer nor an outage (a bug on the
 * delivery path) gets this many tries, so it cannot hold back the turns behind it forever.
 */
const POISON_ATTEMPTS = 5;

/**
 * The sidecar's side of the delivery kit (design §8): a captured turn is journaled under
 * `<TAPES_DATA_DIR>/spool`, then posted raw to ingest (`toIngestEnvelope`: the one envelope schema ingest
 * validates with), and leaves the journal once ingest answered 202. While ingest is away turns
 * wait in the journal and one probe at a time retries with backoff (`Retry-After` honoured);
 * refusals (4xx) are dropped under their reason, never retried. Nothing here blocks the gRPC
 * stream: `accept` only waits for the journal write.
 */
export class TurnDelivery {
  private constructor(private readonly kit: DeliveryKit<CapturedTurn>) {}

  static async create(config: SidecarConfig, client: IngestClient, budget: ByteBudget, metrics: SidecarMetrics): Promise<TurnDelivery> {
    const logger = new Logger(TurnDelivery.name);
    const kit = await DeliveryKit.create<CapturedTurn>({
      journal: { dir: config.spoolDir, maxBytes: config.limits.spoolMaxBytes },
      encode: encodeCapturedTurn,
      decode: decodeCapturedTurn,
      label: (turn) => ({ requestId: turn.requestId, provider: turn.provider }),
      deliver: async (turn, signal) => verdictOf(await metrics.timedPost(() => client.post(Buffer.from(JSON.stringify(toIngestEnvelope(turn)), 'utf8'), signal))),
      concurrency: config.ingest.connections,
      backoff: { initialMs: config.delivery.retryInitialMs, maxMs: config.delivery.retryMaxMs, maxRetryAfterMs: Math.max(config.delivery.retryMaxMs, 300_000) },
      poisonAttempts: POISON_ATTEMPTS,
      poisonReason: 'capture_error',
      budget,
      events: {
        delivered: (label, via, result) => {
          metrics.capture.turnsDelivered.inc({ provider: label.provider, outcome: String(result.info?.['outcome'] ?? 'unknown'), via, result: result.duplicate ? 'duplicate' : 'stored' });
          logger.debug({ requestId: label.requestId, via }, 'turn delivered');
        },
        dropped: (label, reason, detail, err) => {
          metrics.capture.dropped(label.provider, reason);
          logger.error({ requestId: label.requestId, provider: label.provider, reason, ...(err ? { err } : {}) }, `turn lost: ${detail}`);
        },
        backlogged: (label) => metrics.capture.turnsBacklogged.inc({ provider: label.provider }),
        unavailable: (detail, waitMs) => logger.warn({ waitMs }, `ingest unavailable (${detail}): turns wait in the journal`),
        journalFailed: (err) => logger.error({ err, dir: config.spoolDir }, `the journal in ${config.spoolDir} cannot be written: turns are kept in memory only until it can`),
        journalRecovered: (recovered, damaged) => logger.log({ recovered, damagedSegments: damaged, dir: config.spoolDir }, `journal: ${recovered} turns from the previous run to deliver`),
        interrupted: (label) => {
          metrics.capture.dropped(label.provider, 'process_crash');
          logger.warn({ requestId: label.requestId, provider: label.provider, reason: 'process_crash' }, 'turn lost: the previous process died while this exchange was in flight');
        },
      },
    });
    metrics.observe({ journal: () => kit.stats(), captureBytes: () => budget.inUse });
    return new TurnDelivery(kit);
  }

  /** Marks an exchange in flight, so a crash before it ends is counted at the next start. */
  track(label: ItemLabel): TrackedExchange | undefined {
    return this.kit.track(label);
  }

  /** The tracked exchange ended without a turn (not recorded or dropped, and counted). */
  untrack(tracked: TrackedExchange): void {
    this.kit.untrack(tracked);
  }

  /** Journals the turn (resolves once a crash can no longer lose it) and queues it for ingest. */
  accept(turn: CapturedTurn, heldBytes: number, tracked?: TrackedExchange): Promise<AcceptOutcome> {
    return this.kit.accept(turn, heldBytes, tracked);
  }

  start(): void {
    this.kit.start();
  }

  stop(graceMs: number): Promise<void> {
    return this.kit.stop(graceMs);
  }

  stats(): ReturnType<DeliveryKit<CapturedTurn>['stats']> {
    return this.kit.stats();
  }

  /** Every accepted turn delivered or dropped, or waiting for the target to come back. */
  get settled(): boolean {
    return this.kit.settled;
  }

  get ingestDown(): boolean {
    return this.kit.targetDown;
  }
}

/** The ingest contract's answer as the kit's verdict (design §6). */
function verdictOf(result: IngestPostResult): DeliveryResult {
  switch (result.verdict) {
    case 'delivered':
      return { kind: 'delivered', duplicate: result.duplicate, info: result.outcome ? { outcome: result.outcome } : {} };
    case 'reject':
      return { kind: 'reject', reason: result.reason, detail: result.detail };
    case 'retry':
      return { kind: 'retry', detail: result.detail, retryAfterMs: result.retryAfterMs };
  }
}
