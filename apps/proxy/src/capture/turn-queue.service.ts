import { Inject, Injectable, Logger } from '@nestjs/common';
import { ByteBudget } from '@tapes/delivery';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import { InvalidTurnError, StorageUnavailableError } from '@tapes/storage';
import type { ProxyConfig } from '../config/proxy-config';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { WorkerTurnStore } from '../storage/worker-turn-store';
import type { PendingTurn } from './pending-turn';
import { logStoredTurn } from './stored-turn-log';
import { TurnSpool } from './turn-spool.service';

interface QueuedTurn {
  turn: PendingTurn;
  /** Capture-budget bytes this turn holds until it is stored, spooled or dropped. */
  heldBytes: number;
}

/**
 * The bounded in-process queue between capture and storage. It is bounded in bytes, not items:
 * the shared {@link ByteBudget} was charged while the turn was captured and is released here once
 * the turn is stored, spooled or dropped — a capture that did not fit was already dropped
 * (`capture_budget`) without touching forwarding.
 *
 * Up to `storeConcurrency` turns are with the storage worker at once. When storage is unavailable
 * the turn goes to the disk spool; while the spool holds anything, new turns join it behind the
 * older ones rather than racing them to the database, and the spool's drainer delivers them in
 * order.
 */
@Injectable()
export class TurnQueue {
  private readonly logger = new Logger(TurnQueue.name);
  private readonly waiting: QueuedTurn[] = [];
  private readonly concurrency: number;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  /** Set at shutdown: no more database attempts, every remaining turn goes to the spool. */
  private spoolOnly = false;

  constructor(
    @Inject(TAPES_CONFIG) config: ProxyConfig,
    private readonly store: WorkerTurnStore,
    private readonly spool: TurnSpool,
    private readonly budget: ByteBudget,
    private readonly metrics: ProxyMetrics,
  ) {
    this.concurrency = config.storeConcurrency;
    metrics.observeQueueBytes(() => this.budget.inUse);
  }

  /** Takes ownership of a captured turn and of the budget bytes it holds. Never blocks. */
  enqueue(turn: PendingTurn, heldBytes: number): void {
    this.waiting.push({ turn, heldBytes });
    this.pump();
  }

  /** Turns waiting or being written. */
  get depth(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves once every queued turn is stored, spooled or dropped, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.depth === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(wake);
    });
  }

  /**
   * Shutdown: sends every turn not yet being written straight to the spool (a database that is
   * slow now must not cost the turns), then waits for the queue to empty.
   */
  async flushToSpool(timeoutMs: number): Promise<boolean> {
    this.spoolOnly = true;
    this.pump();
    return this.drained(timeoutMs);
  }

  private pump(): void {
    while (this.running < (this.spoolOnly ? Number.POSITIVE_INFINITY : this.concurrency)) {
      const next = this.waiting.shift();
      if (!next) break;
      this.running += 1;
      void this.deliver(next).finally(() => {
        this.running -= 1;
        this.budget.release(next.heldBytes);
        this.pump();
        if (this.depth === 0) this.wakeIdle();
      });
    }
  }

  private async deliver({ turn }: QueuedTurn): Promise<void> {
    const fields = { requestId: turn.requestId, provider: turn.provider };
    if (this.spoolOnly || this.spool.hasBacklog) {
      await this.spool.put(turn, { counted: false });
      return;
    }
    let recorded;
    try {
      recorded = await this.store.recordTurn(turn);
    } catch (err) {
      // The worker died or is closing: the turn was not derived, let alone stored.
      this.logger.warn({ ...fields, detail: err instanceof Error ? err.message : String(err) }, 'storage worker unavailable: spooling the turn');
      await this.spool.put(turn, { counted: false });
      return;
    }
    this.metrics.turnsCaptured.inc({ provider: turn.provider, outcome: recorded.outcome });
    if ('stored' in recorded) {
      this.metrics.turnsStored.inc({ result: recorded.stored.status });
      logStoredTurn(this.logger, turn, recorded.outcome, recorded.stored);
      return;
    }
    const err = recorded.error;
    if (err instanceof InvalidTurnError) {
      this.metrics.dropped('storage_reject');
      this.logger.error({ ...fields, err, code: err.code, field: err.field }, 'turn lost: storage refused it as invalid');
      return;
    }
    if (err instanceof StorageUnavailableError) this.logger.warn({ ...fields, reason: err.reason }, 'storage unavailable: spooling the turn');
    // Anything else is unexpected but maybe transient: the spool retries it rather than lose it.
    else this.logger.error({ ...fields, err }, 'storing the turn failed unexpectedly: spooling it');
    await this.spool.put(turn, { counted: true });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
