import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiskSpool, SpoolDrainer, type DeliveryVerdict, type SpoolItem } from '@tapes/delivery';
import { InvalidTurnError, StorageUnavailableError, type TurnStore } from '@tapes/storage';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { TURN_STORE } from '../storage/storage.tokens';
import { StorageWorkerExitError } from '../storage/worker-turn-store';
import { decodeSpooledTurn, encodeSpooledTurn, SpooledTurnError } from './spooled-turn';
import type { CapturedTurn } from './turn-record';

/** Retry pacing while storage is away: quick at first (a blip), at most every 30 s (an outage). */
const BACKOFF = { initialMs: 250, maxMs: 30_000 };

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
    @Inject(TURN_STORE) private readonly store: TurnStore,
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

  /** Spools one turn durably. Never throws: a turn that cannot be spooled is counted as dropped. */
  async put(turn: CapturedTurn): Promise<void> {
    const fields = { requestId: turn.requestId, provider: turn.provider };
    try {
      const result = await this.disk.put(encodeSpooledTurn(turn), { requestId: turn.requestId, provider: turn.provider });
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
    let turn: CapturedTurn;
    try {
      turn = decodeSpooledTurn(item.payload);
    } catch (err) {
      if (!(err instanceof SpooledTurnError)) throw err;
      this.metrics.dropped('storage_reject');
      this.logger.error({ err, spoolId: item.id }, 'turn lost: a spooled turn could not be read back');
      return 'reject';
    }
    const fields = { requestId: turn.requestId, provider: turn.provider, spoolId: item.id };
    try {
      const result = await this.store.storeTurn(turn);
      this.metrics.turnsStored.inc({ result: result.status });
      this.unexpectedFailures.delete(item.id);
      return 'delivered';
    } catch (err) {
      // A worker that died on this very turn must not be retried forever: counted like a bug.
      if (err instanceof StorageUnavailableError && !(err instanceof StorageWorkerExitError)) return 'retry';
      if (err instanceof InvalidTurnError) {
        this.metrics.dropped('storage_reject');
        this.logger.error({ ...fields, err, code: err.code, field: err.field }, 'turn lost: storage refused a spooled turn as invalid');
        return 'reject';
      }
      const failures = (this.unexpectedFailures.get(item.id) ?? 0) + 1;
      this.unexpectedFailures.set(item.id, failures);
      if (failures < MAX_UNEXPECTED_FAILURES) {
        this.logger.error({ ...fields, err, failures }, 'storing a spooled turn failed unexpectedly; retrying');
        return 'retry';
      }
      this.unexpectedFailures.delete(item.id);
      this.metrics.dropped('storage_reject');
      this.logger.error({ ...fields, err, failures }, `turn lost: storing a spooled turn failed ${failures} times`);
      return 'reject';
    }
  }
}
