import { Injectable, Logger } from '@nestjs/common';
import { DiskSpool, SpoolDrainer, type DeliveryVerdict, type SpoolItem } from '@tapes/delivery';
import { InvalidTurnError, StorageUnavailableError } from '@tapes/storage';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { StorageWorkerExitError, WorkerTurnStore, type RecordedTurn } from '../storage/worker-turn-store';
import type { PendingTurn } from './pending-turn';
import { logStoredTurn } from './stored-turn-log';
import { decodeSpooledTurn, encodeSpooledTurn, SpooledTurnError } from './spooled-turn';

/**
 * Retry pacing while storage is away: quick at first (a blip), then at most every 5 s. One
 * attempt is one cheap query to a local or nearby database, and after an outage the turns should
 * arrive soon after it is back, not up to a long backoff later.
 */
const BACKOFF = { initialMs: 250, maxMs: 5_000 };

/**
 * A spooled turn that keeps failing with errors that are neither "unavailable" nor "invalid" is
 * given this many tries before it is dropped, so one poisoned item cannot hold back every turn
 * behind it forever.
 */
const MAX_UNEXPECTED_FAILURES = 5;

/**
 * The on-disk spool of turns storage could not take (under `<dataDir>/spool`), and its drainer,
 * which retries the oldest turn with backoff until storage is back. It survives restarts: what a
 * previous run left is delivered first (the drainer starts at bootstrap). Delivery is idempotent
 * by request id, so a turn written again after a crash is a `duplicate`, not a second copy.
 */
@Injectable()
export class TurnSpool {
  private readonly logger = new Logger(TurnSpool.name);
  private readonly drainer: SpoolDrainer;
  private readonly unexpectedFailures = new Map<string, number>();

  constructor(
    private readonly disk: DiskSpool,
    private readonly store: WorkerTurnStore,
    private readonly metrics: ProxyMetrics,
  ) {
    metrics.observeSpool(() => disk.stats());
    this.drainer = new SpoolDrainer(disk, (item, signal) => this.deliver(item, signal), {
      backoff: BACKOFF,
      onError: (err, entry) => this.logger.error({ err, spoolId: entry.id }, 'spool read or delete failed; retrying'),
    });
    if (disk.recovery.recovered > 0 || disk.recovery.quarantined > 0) {
      this.logger.log({ ...disk.recovery, dir: disk.dir }, 'spool recovered from the previous run');
    }
  }

  /** True while turns wait on disk: new turns queue behind them. */
  get hasBacklog(): boolean {
    return this.disk.oldest() !== undefined;
  }

  /** True while the drainer's last attempt failed (storage is, as far as we know, down). */
  get storageDown(): boolean {
    return this.drainer.backingOff;
  }

  stats(): { depth: number; bytes: number } {
    return this.disk.stats();
  }

  /** Starts delivering what waits on disk (including what a previous run left). */
  start(): void {
    this.drainer.start();
  }

  /** Stops retrying; what is still spooled stays on disk for the next run. */
  stop(): Promise<void> {
    return this.drainer.stop();
  }

  /**
   * Spools one turn durably. `counted`: its capture outcome was already counted (it was derived
   * once and storage refused it), so delivering it later must not count it again. Never throws: a
   * turn that cannot be spooled is counted as dropped.
   */
  async put(turn: PendingTurn, options: { counted: boolean }): Promise<void> {
    const fields = { requestId: turn.requestId, provider: turn.provider };
    try {
      const result = await this.disk.put(encodeSpooledTurn(turn), { requestId: turn.requestId, provider: turn.provider, counted: options.counted ? 'yes' : 'no' });
      if (result.stored) {
        this.metrics.turnsSpooled.inc();
        return;
      }
      this.metrics.dropped('spool_full');
      this.logger.error({ ...fields, ...this.disk.stats(), maxBytes: this.disk.maxBytes }, 'turn lost: storage is unavailable and the spool is full');
    } catch (err) {
      this.metrics.dropped('spool_full');
      this.logger.error({ ...fields, err }, 'turn lost: storage is unavailable and writing the spool failed');
    }
  }

  private async deliver(item: SpoolItem, _signal: AbortSignal): Promise<DeliveryVerdict> {
    let turn: PendingTurn;
    try {
      turn = decodeSpooledTurn(item.payload);
    } catch (err) {
      if (!(err instanceof SpooledTurnError)) throw err;
      this.metrics.dropped('storage_reject');
      this.logger.error({ err, spoolId: item.id }, 'turn lost: a spooled turn could not be read back');
      return 'reject';
    }
    const fields = { requestId: turn.requestId, provider: turn.provider, spoolId: item.id };
    let recorded: RecordedTurn;
    try {
      recorded = await this.store.recordTurn(turn);
    } catch (err) {
      // A worker that died on this very turn must not be retried forever: counted like a bug.
      if (err instanceof StorageWorkerExitError) return this.unexpected(item.id, fields, err);
      return 'retry';
    }
    const err = 'error' in recorded ? recorded.error : undefined;
    if (err instanceof StorageUnavailableError) return 'retry';
    if (item.meta['counted'] !== 'yes') this.metrics.turnsCaptured.inc({ provider: turn.provider, outcome: recorded.outcome });
    if ('stored' in recorded) {
      this.metrics.turnsStored.inc({ result: recorded.stored.status });
      logStoredTurn(this.logger, turn, recorded.outcome, recorded.stored);
      this.unexpectedFailures.delete(item.id);
      return 'delivered';
    }
    if (err instanceof InvalidTurnError) {
      this.metrics.dropped('storage_reject');
      this.logger.error({ ...fields, err, code: err.code, field: err.field }, 'turn lost: storage refused a spooled turn as invalid');
      return 'reject';
    }
    return this.unexpected(item.id, fields, err);
  }

  /** An error that is neither "unavailable" nor "invalid": retried a bounded number of times. */
  private unexpected(id: string, fields: Record<string, unknown>, err: unknown): DeliveryVerdict {
    const failures = (this.unexpectedFailures.get(id) ?? 0) + 1;
    this.unexpectedFailures.set(id, failures);
    if (failures < MAX_UNEXPECTED_FAILURES) {
      this.logger.error({ ...fields, err, failures }, 'storing a spooled turn failed unexpectedly; retrying');
      return 'retry';
    }
    this.unexpectedFailures.delete(id);
    this.metrics.dropped('storage_reject');
    this.logger.error({ ...fields, err, failures }, `turn lost: storing a spooled turn failed ${failures} times`);
    return 'reject';
  }
}
