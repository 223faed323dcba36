import { Logger } from '@nestjs/common';
import { decodeCapturedTurn, encodeCapturedTurn, type CapturedTurn } from '@tapes/capture';
import { DeliveryKit, type AcceptOutcome, type ByteBudget, type DeliveryResult, type ItemLabel, type TrackedExchange } from '@tapes/delivery';
import { turnLogLine } from '@tapes/nest-kit';
import type { TurnEvents } from '@tapes/read-api';
import { InvalidTurnError, StorageUnavailableError } from '@tapes/storage';
import type { ProxyConfig } from '../config/proxy-config';
import type { ProxyMetrics } from '../metrics/proxy-metrics';
import { StorageWorkerExitError, type RecordedTurn, type WorkerTurnStore } from '../storage/worker-turn-store';
import path from 'node:path';

/**
 * Retry pacing while storage is away: quick at first (a blip), then at most every 5 s. One
 * attempt is one cheap query to a local or nearby database, and after an outage the turns should
 * arrive soon after it is back, not up to a long backoff later.
 */
const BACKOFF = { initialMs: 250, maxMs: 5_000 };

/**
 * A turn whose delivery keeps failing with errors that are neither "unavailable" nor "invalid"
 * (the storage worker dying on it) gets this many tries, so one poisoned turn cannot hold back
 * every turn behind it forever.
 */
const POISON_ATTEMPTS = 5;

/**
 * Journaled turns kept in memory, encoded, until the storage worker takes them (outside the capture
 * budget; bounded): under load most turns wait for one of the few delivery slots, and reading each
 * back from the journal cost the forwarding thread more than keeping it (#17). Past this, and all
 * while storage is away, they wait on disk only.
 */
const ENCODED_KEEP_BYTES = 8 * 1024 * 1024;

/** The journal's directory inside the data directory. */
export function journalDir(config: Pick<ProxyConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'journal');
}

/**
 * The proxy's side of the delivery kit: a captured turn is journaled, then recorded by the
 * storage worker (derived with the shared pipeline and stored), and leaves the journal once stored.
 */
export class TurnDelivery {
  private readonly logger = new Logger(TurnDelivery.name);

  private kit!: DeliveryKit<CapturedTurn>;
  /** What the last failed delivery said, while storage is down (for /_tapes/health/storage). */
  private lastUnavailable: string | undefined;

  private constructor() {
    // Built by create(): the kit's events need the instance before the kit exists.
  }

  static async create(config: ProxyConfig, store: WorkerTurnStore, budget: ByteBudget, metrics: ProxyMetrics, turnEvents: TurnEvents): Promise<TurnDelivery> {
    const logger = new Logger(TurnDelivery.name);
    let lastJournalError: string | undefined;
    // Made before the kit, so the kit's events can reach it.
    const delivery = new TurnDelivery();
    const kit = await DeliveryKit.create<CapturedTurn>({
      journal: { dir: journalDir(config), maxBytes: config.limits.spoolMaxBytes },
      encode: encodeCapturedTurn,
      decode: decodeCapturedTurn,
      label: (turn) => ({ requestId: turn.requestId, provider: turn.provider }),
      deliver: (turn) => record(() => store.recordTurn(turn)),
      // Journaled turns go to the storage worker as the journal holds them, decoded there (#17):
      // kept in memory up to ENCODED_KEEP_BYTES, read back from disk past it.
      deliverEncoded: (encoded) => record(() => store.recordEncodedTurn(encoded)),
      keepEncodedBytes: ENCODED_KEEP_BYTES,
      concurrency: config.storeConcurrency,
      backoff: BACKOFF,
      poisonAttempts: POISON_ATTEMPTS,
      poisonReason: 'storage_reject',
      budget,
      events: {
        delivered: (label, via, result) => {
          const info = result.info ?? {};
          const outcome = String(info['outcome'] ?? 'unknown');
          metrics.capture.turnsDelivered.inc({ provider: label.provider, outcome, via, result: result.duplicate ? 'duplicate' : 'stored' });
          const line = turnLogLine({
            agentName: info['agentName'] as string | undefined,
            provider: label.provider,
            model: info['model'] as string | undefined,
            outcome,
            usage: info['usage'] as never,
            newNodes: Number(info['newNodes'] ?? 0),
            turnId: String(info['turnId'] ?? ''),
            duplicate: result.duplicate === true,
          });
          logger.log({ requestId: label.requestId, headHash: info['headHash'], via, ...line.fields }, line.message);
          if (!result.duplicate) {
            turnEvents.publish({
              session_id: (info['sessionId'] as string | undefined) ?? null,
              turn_id: String(info['turnId'] ?? ''),
              thread_id: (info['threadId'] as string | undefined) ?? '',
              agent: (info['agentName'] as string | undefined) ?? null,
              outcome,
              at: new Date().toISOString(),
            });
          }
        },
        dropped: (label, reason, detail, err) => {
          metrics.capture.dropped(label.provider, reason);
          logger.error({ requestId: label.requestId, provider: label.provider, reason, ...(err ? { err } : {}) }, `turn lost: ${detail}`);
        },
        backlogged: (label) => metrics.capture.turnsBacklogged.inc({ provider: label.provider }),
        unavailable: (detail, waitMs) => {
          delivery.lastUnavailable = detail;
          logger.warn({ waitMs }, `storage unavailable (${detail}): turns wait in the journal`);
        },
        // Said once per cause (the journal is tried again every few seconds), and again when it changes.
        journalFailed: (err) => {
          const message = err instanceof Error ? err.message : String(err);
          const fields = { err, dir: journalDir(config) };
          const line = `the journal in ${journalDir(config)} cannot be written: turns are kept in memory only until it can (make the directory writable, free disk space)`;
          if (message === lastJournalError) logger.debug(fields, line);
          else logger.error(fields, line);
          lastJournalError = message;
        },
        journalUsable: () => {
          lastJournalError = undefined;
          logger.log({ dir: journalDir(config) }, `the journal in ${journalDir(config)} can be written again: turns are kept safe again`);
        },
        journalRecovered: (recovered, damaged) => logger.log({ recovered, damagedSegments: damaged, dir: journalDir(config) }, `journal: ${recovered} turns from the previous run to store`),
        interrupted: (label) => {
          metrics.capture.dropped(label.provider, 'process_crash');
          logger.warn({ requestId: label.requestId, provider: label.provider, reason: 'process_crash' }, 'turn lost: the previous process died while this exchange was in flight (the agent saw it cut)');
        },
      },
    });
    metrics.observe({ journal: () => kit.stats(), captureBytes: () => budget.inUse });
    delivery.kit = kit;
    return delivery;
  }

  /** Marks an exchange in flight, so a crash before it ends is counted at the next start. */
  track(label: ItemLabel): TrackedExchange | undefined {
    return this.kit.track(label);
  }

  /** The tracked exchange ended without a turn (dropped and counted). */
  untrack(tracked: TrackedExchange): void {
    this.kit.untrack(tracked);
  }

  /** Journals the turn (resolves once a crash can no longer lose it) and queues it for storage. */
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

  /** True while storage failed the last attempts. */
  get storageDown(): boolean {
    return this.kit.targetDown;
  }

  /** Why storage is down as deliveries see it (a write refused: disk full…), while it is. */
  get storageProblem(): string | undefined {
    return this.kit.targetDown ? this.lastUnavailable : undefined;
  }

  get log(): Logger {
    return this.logger;
  }
}

/** One attempt: the worker derives and stores the turn; its answer becomes the kit's verdict. */
async function record(attempt: () => Promise<RecordedTurn>): Promise<DeliveryResult> {
  const recorded = await attempt();
  if ('stored' in recorded) {
    const { stored, summary } = recorded;
    return {
      kind: 'delivered',
      duplicate: stored.status === 'duplicate',
      info: { outcome: summary.outcome, model: summary.model, usage: summary.usage, sessionId: summary.sessionId, threadId: summary.threadId, agentName: summary.agentName, newNodes: stored.newNodeCount, turnId: stored.turnId, headHash: stored.headHash },
    };
  }
  const err = recorded.error;
  // A worker that died on this very turn is not an outage: counted against the poison budget.
  if (err instanceof StorageWorkerExitError) throw err;
  if (err instanceof StorageUnavailableError) return { kind: 'retry', detail: err.message };
  if (err instanceof InvalidTurnError) return { kind: 'reject', reason: 'storage_reject', detail: `storage refused it as invalid (${err.code}${err.field ? ` ${err.field}` : ''}): ${err.message}` };
  throw err;
}
