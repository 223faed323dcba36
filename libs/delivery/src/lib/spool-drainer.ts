import { abortableSleep } from './abortable-sleep';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { isRetryVerdict, retryAfterOf, type DeliveryVerdict } from './delivery-verdict';
import type { DiskSpool, SpoolEntry, SpoolItem } from './disk-spool';

/** Delivers one spooled item. `signal` aborts when the drainer stops. */
export type SpoolHandler = (item: SpoolItem, signal: AbortSignal) => Promise<DeliveryVerdict>;

export interface SpoolDrainerOptions {
  backoff: BackoffPolicy;
  random?: () => number;
  /** Told about every item that left the spool, for counting. */
  onSettled?: (entry: SpoolEntry, outcome: 'delivered' | 'rejected') => void;
  /**
   * Told about failures that are not verdicts: the handler threw, or the spool could not read or
   * delete. The drainer treats them as "retry later", so an item is never lost to them.
   */
  onError?: (err: unknown, entry: SpoolEntry) => void;
  /**
   * After this many failures in a row on the same head item, and when other items wait behind it,
   * the head is moved to the back of the spool (default 5). A target that is down fails every item
   * alike, so this only rotates; a target that keeps refusing one item (a poison payload) no
   * longer blocks the rest. Order is kept for everything that delivers at its first attempts.
   */
  rotateAfterFailures?: number;
  /** How to wait out a backoff; resolves false when `signal` cut it short. Injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

/**
 * Empties a {@link DiskSpool} into its target, oldest item first. While the target refuses
 * (`retry`), the drainer keeps retrying the *same* head item with exponential backoff and full
 * jitter (honouring `Retry-After`), so delivery order is kept and a down target costs one attempt
 * per backoff period, not one per item; a head that keeps failing is eventually moved behind the
 * others ({@link SpoolDrainerOptions.rotateAfterFailures}). `delivered` and `reject` both remove
 * the item.
 *
 * It sleeps while the spool is empty and wakes on the next put. `stop()` aborts any wait and the
 * in-flight handler (through its signal), and resolves once the loop has exited; an item whose
 * delivery was cut short stays spooled and is retried by the next run (delivery is idempotent).
 */
export class SpoolDrainer {
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private consecutiveFailures = 0;
  /** Failures in a row of the current head item. */
  private headFailures = 0;
  private headId: string | undefined;

  constructor(
    private readonly spool: DiskSpool,
    private readonly handler: SpoolHandler,
    private readonly options: SpoolDrainerOptions,
  ) {}

  /** Starts draining (what the previous run left is delivered first). Idempotent. */
  start(): void {
    if (this.loop || this.stopController.signal.aborted) return;
    this.unsubscribe = this.spool.onPut(() => this.wake?.());
    this.loop = this.run();
  }

  /** Stops after the current step; resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake?.();
    this.unsubscribe?.();
    await this.loop;
  }

  /** True while the head item is failing: the target is (as far as the drainer knows) down. */
  get backingOff(): boolean {
    return this.consecutiveFailures > 0;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const entry = this.spool.oldest();
      if (!entry) {
        this.consecutiveFailures = 0;
        await this.idle();
        continue;
      }
      if (entry.id !== this.headId) {
        this.headId = entry.id;
        this.headFailures = 0;
      }
      const verdict = await this.attempt(entry);
      if (verdict === undefined) continue; // the item vanished (quarantined as damaged): next one
      // A settled item is removed even while stopping: delivering it again next run would be waste.
      if (!isRetryVerdict(verdict) && (await this.settle(entry, verdict))) {
        this.consecutiveFailures = 0;
        continue;
      }
      if (this.stopped) return;
      this.headFailures += 1;
      if (this.headFailures >= (this.options.rotateAfterFailures ?? 5) && this.spool.stats().depth > 1 && (await this.rotate(entry))) continue;
      this.consecutiveFailures += 1;
      const delay = backoffDelay(this.consecutiveFailures, this.options.backoff, { retryAfterMs: retryAfterOf(verdict), random: this.options.random });
      await (this.options.sleep ?? abortableSleep)(delay, this.stopController.signal);
    }
  }

  /** One delivery attempt; failures that are not verdicts become `retry`. */
  private async attempt(entry: SpoolEntry): Promise<DeliveryVerdict | undefined> {
    try {
      const item = await this.spool.read(entry.id);
      if (!item) return undefined;
      return await this.handler(item, this.stopController.signal);
    } catch (err) {
      if (!this.stopped) this.options.onError?.(err, entry);
      return 'retry';
    }
  }

  /** Removes a settled item; false when the removal failed (retried after a backoff). */
  private async settle(entry: SpoolEntry, verdict: 'delivered' | 'reject'): Promise<boolean> {
    try {
      await this.spool.remove(entry.id);
    } catch (err) {
      this.options.onError?.(err, entry);
      return false;
    }
    this.options.onSettled?.(entry, verdict === 'delivered' ? 'delivered' : 'rejected');
    return true;
  }

  /** Moves a failing head behind the others; false when that failed (the head stays). */
  private async rotate(entry: SpoolEntry): Promise<boolean> {
    try {
      await this.spool.requeue(entry.id);
      return true;
    } catch (err) {
      this.options.onError?.(err, entry);
      return false;
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      // A put between the emptiness check and here has already happened: do not sleep past it.
      if (this.spool.oldest() || this.stopped) this.wake();
    });
  }
}
