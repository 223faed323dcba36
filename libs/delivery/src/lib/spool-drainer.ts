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
   * After this many failures in a row on the same head item (default 5), when other items wait
   * behind it, the next item is tried once. If it is delivered the target is up and refuses only
   * the head (a poison payload): the head is moved behind the others so it no longer blocks them.
   * If it fails too the target is down: nothing moves, order is kept, and the head is retried.
   */
  probeAfterFailures?: number;
  /** How to wait out a backoff; resolves false when `signal` cut it short. Injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

/**
 * Empties a {@link DiskSpool} into its target, oldest item first. While the target refuses
 * (`retry`), the drainer keeps retrying the *same* head item with exponential backoff and full
 * jitter (honouring `Retry-After`), so delivery order is kept and a down target costs one attempt
 * per backoff period, not one per item; a head the target refuses while it accepts the others is
 * moved behind them ({@link SpoolDrainerOptions.probeAfterFailures}). `delivered` and `reject`
 * both remove the item.
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
      if (this.headFailures >= (this.options.probeAfterFailures ?? 5) && this.spool.stats().depth > 1) {
        this.headFailures = 0;
        if (await this.probeBehind(entry)) {
          this.consecutiveFailures = 0;
          continue;
        }
        if (this.stopped) return;
      }
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

  /**
   * Tries the item behind a failing head. True when it was delivered (or refused for good): the
   * target is up, so the head is moved behind the others.
   */
  private async probeBehind(head: SpoolEntry): Promise<boolean> {
    const next = this.spool.list()[1];
    if (!next) return false;
    const verdict = await this.attempt(next);
    if (verdict === undefined || isRetryVerdict(verdict) || !(await this.settle(next, verdict))) return false;
    // The target may just have come back: give the head one more chance before moving it.
    const again = await this.attempt(head);
    if (again === undefined) return true;
    if (!isRetryVerdict(again)) {
      await this.settle(head, again);
      return true;
    }
    try {
      await this.spool.requeue(head.id);
    } catch (err) {
      this.options.onError?.(err, head);
    }
    return true;
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
