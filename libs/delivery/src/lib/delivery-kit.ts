import { abortableSleep } from './abortable-sleep';
import { backoffDelay, type BackoffPolicy } from './backoff';
import type { ByteBudget } from './byte-budget';
import { Journal, JournalFullError, type JournalOptions } from './journal/journal';
import type { JournalMeta } from './journal/journal-record';

/** What one delivery attempt concluded. */
export type DeliveryResult =
  /** The target has it (a duplicate acknowledgement counts); `info` is passed on to the `delivered` event. */
  | { readonly kind: 'delivered'; readonly duplicate?: boolean; readonly info?: Readonly<Record<string, unknown>> }
  /** The target is away or overloaded: keep the item, try again later (not before `retryAfterMs`). */
  | { readonly kind: 'retry'; readonly detail: string; readonly retryAfterMs?: number | undefined }
  /** The target refused it for good: retrying cannot help. Counted under `reason`. */
  | { readonly kind: 'reject'; readonly reason: string; readonly detail: string };

/** What the kit needs to know to count and log an item without decoding it. */
export interface ItemLabel extends JournalMeta {
  readonly requestId: string;
  readonly provider: string;
}

export interface DeliveryEvents {
  delivered?(label: ItemLabel, via: 'direct' | 'backlog', result: Extract<DeliveryResult, { kind: 'delivered' }>): void;
  /** An item's first attempt failed because the target is away: it waits in the journal. */
  backlogged?(label: ItemLabel): void;
  dropped?(label: ItemLabel, reason: string, detail: string, err?: unknown): void;
  /** The target failed: items wait in the journal (or memory) and are retried with backoff. */
  unavailable?(detail: string, waitMs: number): void;
  /** The journal could not be used (open, write or sync); items are kept in memory meanwhile. */
  journalFailed?(err: unknown): void;
  /** A journal that had failed can be written again (opened at last, or a probe write succeeded). */
  journalUsable?(): void;
  journalRecovered?(recovered: number, damagedSegments: number): void;
  /**
   * An exchange a previous run had in flight when it died (killed, crashed, power lost): its
   * mark was never settled by a journaled item or a drop. Reported once, at start.
   */
  interrupted?(label: ItemLabel): void;
}

/**
 * An exchange in flight, marked in the journal ({@link DeliveryKit.track}): settled by the item
 * `accept` journals for it, or by {@link DeliveryKit.untrack} when it ends without one.
 */
export interface TrackedExchange {
  /** Resolves (true) once the mark is in the kernel; false if it could not be written. Never rejects. */
  readonly written: Promise<boolean>;
  /** @internal */
  readonly journal: Journal;
  /** @internal */
  readonly id: number;
}

export interface DeliveryKitOptions<T> {
  /** Where items wait until delivered; reopened every `reopenMs` while it cannot be used. */
  journal: JournalOptions;
  encode(item: T): Buffer;
  decode(payload: Buffer): T;
  label(item: T): ItemLabel;
  /** One attempt. Throwing is an unexpected failure: retried up to `poisonAttempts`, then dropped. */
  deliver(item: T, signal: AbortSignal): Promise<DeliveryResult>;
  /**
   * One attempt with a journaled item as the journal holds it (what `encode` made), when the
   * target can decode it itself (the proxy's storage worker): such items are never decoded on
   * this thread, and while they fit in `keepEncodedBytes` never read back from disk either (#17).
   * Items kept only in memory (the journal unusable) still go to `deliver`.
   */
  deliverEncoded?(payload: Buffer, label: ItemLabel, signal: AbortSignal): Promise<DeliveryResult>;
  /**
   * With `deliverEncoded`: encoded items kept in memory, outside the capture budget, until their
   * delivery starts (default 0: every item is read back from the journal). Bounded: past it, and
   * for everything while the target is away, items wait on disk only.
   */
  keepEncodedBytes?: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  backoff: BackoffPolicy;
  /** Unexpected failures one item may cause before it is dropped (`poisonReason`), so it cannot hold back the rest forever. */
  poisonAttempts: number;
  poisonReason: string;
  /** Charged for items kept in memory; released when they leave it. */
  budget: ByteBudget;
  events?: DeliveryEvents;
  /** How often an unusable journal is tried again (default 5 s). */
  reopenMs?: number;
}

/** Where an accepted item went. */
export type AcceptOutcome = 'journaled' | 'memory' | 'dropped';

interface Waiting<T> {
  /** Capture order: delivery is oldest first, also after an item comes back from a failed attempt. */
  seq: number;
  /** The journal id; undefined for an item kept only in memory (the journal was unusable). */
  id: number | undefined;
  label: ItemLabel;
  /** The item, while it is held in memory (always, for a memory-only item). */
  item: T | undefined;
  /** Its journal record's payload, kept in memory for `deliverEncoded` (counted in `encodedBytes`). */
  payload?: Buffer | undefined;
  heldBytes: number;
  attempts: number;
  failures: number;
  /** It waited because the target was away (or was left by a previous run). */
  backlogged: boolean;
}

/**
 * The one way a captured turn reaches its store (the proxy's database, the sidecar's ingest),
 * with every promise of design §12 kept in one place:
 *
 * - **Journal first.** `accept` appends the item to the {@link Journal} and resolves once the
 *   kernel holds it: a capture site that waits for it before ending the client's response loses
 *   nothing to `kill -9`. The item leaves the journal only when its delivery was confirmed.
 * - **Deliver or join the backlog.** Items are delivered oldest first, `concurrency` at a time,
 *   only after their record is durable (fsynced). While the target is away every item waits in
 *   the journal (no memory held), and one probe at a time retries with backoff.
 * - **Bounded memory.** Once journaled, an item no longer counts against the capture budget, and
 *   stays in memory only if a free delivery slot is about to take it; otherwise it is read back
 *   from the journal when its turn comes. So the budget bounds exchanges in flight (and items kept
 *   only in memory while the journal is unusable); deliveries add at most `concurrency` items.
 * - **Poison budget.** An item whose deliveries keep throwing is dropped after `poisonAttempts`.
 * - **Shutdown** stops taking new deliveries and waits for those in flight; everything else stays
 *   in the journal for the next run, which recovers it at start.
 * - **Degraded, never blocking.** An unusable journal (unwritable directory, full disk) keeps
 *   items in memory (within the budget), reports itself, and is reopened until it works.
 */
export class DeliveryKit<T> {
  private journal: Journal | undefined;
  private journalError: unknown;
  private readonly waiting: Waiting<T>[] = [];
  private inFlight = 0;
  private backingOff = false;
  private consecutiveFailures = 0;
  private running = false;
  private readonly stopping = new AbortController();
  private readonly inFlightDone = new Set<Promise<void>>();
  private reopenTimer: NodeJS.Timeout | undefined;
  private nextSeq = 0;
  /** Journaled items whose sync has not returned yet (not yet queued). */
  private syncing = 0;
  /** Why the last append was refused for room (JournalFullError), until one succeeds: turns are being dropped. */
  private journalFull: string | undefined;
  /** Bytes of encoded payloads kept in memory (`keepEncodedBytes`). */
  private encodedBytes = 0;

  private constructor(private readonly options: DeliveryKitOptions<T>) {}

  /** Opens (and recovers) the journal; never fails: an unusable journal is reported and retried. */
  static async create<T>(options: DeliveryKitOptions<T>): Promise<DeliveryKit<T>> {
    const kit = new DeliveryKit(options);
    await kit.openJournal();
    return kit;
  }

  /**
   * Takes over an item and the budget bytes it holds. Resolves once it is safe against a crash
   * (`journaled`), kept in memory because the journal cannot be used (`memory`), or dropped
   * (counted, `dropped`). Never rejects.
   */
  async accept(item: T, heldBytes: number, tracked?: TrackedExchange): Promise<AcceptOutcome> {
    const label = this.options.label(item);
    const journal = this.journal;
    // A mark from a journal since replaced (it failed and was reopened) cannot be settled by this one.
    const settles = tracked && tracked.journal === journal ? tracked.id : undefined;
    if (tracked && settles === undefined) this.untrack(tracked);
    if (journal) {
      try {
        const encoded = this.options.encode(item);
        const receipt = await journal.append(encoded, label, settles);
        this.journalFull = undefined;
        // Journaled: the capture's bytes are no longer its to hold. The item is kept (outside the
        // budget) only if a free delivery slot will take it; otherwise it is read back from disk.
        // A target that decodes for itself gets the encoded bytes, kept within keepEncodedBytes.
        this.release(heldBytes);
        const byPayload = this.options.deliverEncoded !== undefined;
        const keep = !byPayload && !this.backingOff && this.inFlight + this.waiting.length + this.syncing < this.options.concurrency;
        const keepPayload = byPayload && !this.backingOff && this.encodedBytes + encoded.byteLength <= (this.options.keepEncodedBytes ?? 0);
        if (keepPayload) this.encodedBytes += encoded.byteLength;
        const waiting: Waiting<T> = { seq: this.nextSeq++, id: receipt.id, label, item: keep ? item : undefined, payload: keepPayload ? encoded : undefined, heldBytes: 0, attempts: 0, failures: 0, backlogged: false };
        this.syncing += 1;
        receipt.durable.then(
          () => {
            this.syncing -= 1;
            this.enqueue(waiting);
          },
          // The record is written but could not be synced: deliver it anyway (the bytes are in
          // the kernel), and report the journal.
          (err: unknown) => {
            this.syncing -= 1;
            this.options.events?.journalFailed?.(err);
            this.enqueue(waiting);
          },
        );
        return 'journaled';
      } catch (err) {
        // Counted here (spool_full) or kept in memory: the exchange is no longer in flight.
        if (tracked) this.untrack(tracked);
        if (err instanceof JournalFullError) {
          this.journalFull = err.message;
          this.release(heldBytes);
          this.options.events?.dropped?.(label, 'spool_full', err.message);
          return 'dropped';
        }
        // A write that failed (disk full, I/O error): this item is kept in memory; the journal is
        // tried again with the next one, and probed meanwhile, and reports the error until a write succeeds.
        this.options.events?.journalFailed?.(err);
        this.probeLater(journal);
      }
    }
    if (this.stopping.signal.aborted) {
      this.release(heldBytes);
      this.options.events?.dropped?.(label, 'shutdown', 'the process is stopping and the journal cannot be written');
      return 'dropped';
    }
    this.enqueue({ seq: this.nextSeq++, id: undefined, label, item, heldBytes, attempts: 0, failures: 0, backlogged: false });
    return 'memory';
  }

  /**
   * Marks an exchange in flight (a small journal record, group-committed with the rest): if the
   * process dies before the exchange ends, the next start reports it (`interrupted`), so a turn
   * the crash cut is counted rather than silently gone. Undefined while the journal is unusable.
   */
  track(label: ItemLabel): TrackedExchange | undefined {
    const journal = this.journal;
    if (!journal || this.stopping.signal.aborted) return undefined;
    const mark = journal.markInFlight({ requestId: label.requestId, provider: label.provider });
    return { journal, id: mark.id, written: mark.written };
  }

  /** The tracked exchange ended without an item to journal (dropped and counted, or not a turn). */
  untrack(tracked: TrackedExchange): void {
    tracked.journal.ack(tracked.id);
  }

  /** Starts delivering, beginning with what a previous run left in the journal. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /**
   * Shutdown: goes on delivering what waits for up to `graceMs` while the target answers, then
   * stops (deliveries still in flight are aborted). What is left stays in the journal for the
   * next run. Items only in memory cannot survive the process: they are counted as dropped.
   */
  async stop(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while ((this.waiting.length > 0 || this.inFlight > 0 || this.syncing > 0) && !this.backingOff && this.running && Date.now() < deadline) await abortableSleep(10);
    this.running = false;
    this.stopping.abort();
    clearTimeout(this.reopenTimer);
    const graceOver = new AbortController();
    await Promise.race([Promise.allSettled([...this.inFlightDone]), abortableSleep(Math.max(0, deadline - Date.now()), graceOver.signal)]);
    graceOver.abort(); // no timer left behind to hold the process open
    for (const w of this.waiting.splice(0)) {
      this.release(w.heldBytes);
      w.heldBytes = 0;
      this.dropPayload(w);
      if (w.id === undefined) this.options.events?.dropped?.(w.label, 'shutdown', 'the process stopped before it could be delivered and the journal could not keep it');
    }
    await this.journal?.close();
  }

  /** Items waiting or in flight, and the journal's bytes. */
  stats(): { depth: number; bytes: number; inFlight: number; journal: 'ok' | 'unavailable'; journalError?: string } {
    const journal = this.journal;
    const stats = journal?.stats() ?? { depth: 0, bytes: 0 };
    const memoryOnly = this.waiting.filter((w) => w.id === undefined).length;
    const error = this.journalError ?? journal?.error ?? (this.journalFull ? new Error(`the journal is full: ${this.journalFull}`) : undefined);
    return {
      depth: stats.depth + memoryOnly,
      bytes: stats.bytes,
      inFlight: this.inFlight,
      // Full counts as unavailable: turns are being dropped (spool_full), not kept.
      journal: journal && !journal.error && !this.journalFull ? 'ok' : 'unavailable',
      ...(error ? { journalError: error instanceof Error ? error.message : String(error) } : {}),
    };
  }

  /**
   * True when nothing is about to happen on its own: every accepted item was delivered or dropped,
   * or the target is away and what is left waits for it (tests and shutdown wait for this).
   */
  get settled(): boolean {
    return this.syncing === 0 && ((this.waiting.length === 0 && this.inFlight === 0) || this.backingOff);
  }

  /** True while the last delivery attempts failed (the target is, as far as we know, away). */
  get targetDown(): boolean {
    return this.backingOff;
  }

  private enqueue(waiting: Waiting<T>): void {
    // Only what a free slot will take soon stays in memory; the rest is read back from the journal.
    if (this.backingOff) this.backlog(waiting);
    // Kept in memory only if a free delivery slot takes it now; otherwise read back when its turn comes.
    else if (this.inFlight + this.waiting.length >= this.options.concurrency) this.evict(waiting);
    this.requeue(waiting);
    this.pump();
  }

  /** Puts an item back in capture order (items finish their attempts out of order). */
  private requeue(waiting: Waiting<T>): void {
    let at = this.waiting.length;
    while (at > 0 && (this.waiting[at - 1] as Waiting<T>).seq > waiting.seq) at -= 1;
    this.waiting.splice(at, 0, waiting);
  }

  private pump(): void {
    if (!this.running) return;
    // While the target is away, one probe at a time; the rest wait in the journal.
    while (this.inFlight < (this.backingOff ? 1 : this.options.concurrency) && this.waiting.length > 0) {
      const next = this.waiting.shift() as Waiting<T>;
      this.inFlight += 1;
      const done = this.attempt(next).finally(() => {
        this.inFlight -= 1;
        this.inFlightDone.delete(done);
        this.pump();
      });
      this.inFlightDone.add(done);
    }
  }

  private async attempt(waiting: Waiting<T>): Promise<void> {
    const deliverEncoded = waiting.id !== undefined ? this.options.deliverEncoded : undefined;
    let item = waiting.item;
    let payload = waiting.payload;
    try {
      if (deliverEncoded) payload ??= await (this.journal as Journal).read(waiting.id as number);
      else if (item === undefined) item = this.options.decode(await (this.journal as Journal).read(waiting.id as number));
    } catch (err) {
      // A record that cannot be read back is lost for good: count it, never block the rest.
      this.finish(waiting, 'dropped');
      this.options.events?.dropped?.(waiting.label, this.options.poisonReason, `the journal record could not be read back: ${messageOf(err)}`, err);
      return;
    }
    waiting.attempts += 1;
    let result: DeliveryResult;
    try {
      const delivery = deliverEncoded ? deliverEncoded(payload as Buffer, waiting.label, this.stopping.signal) : this.options.deliver(item as T, this.stopping.signal);
      // The target now has its own copy (a worker's clone, an encoded request): a journaled item
      // is read back from disk should this attempt fail, so its memory is let go at once. What a
      // delivery holds is bounded by `concurrency`, not by the capture budget.
      this.evict(waiting);
      this.dropPayload(waiting);
      item = undefined;
      payload = undefined;
      result = await delivery;
    } catch (err) {
      waiting.failures += 1;
      if (waiting.failures >= this.options.poisonAttempts) {
        this.finish(waiting, 'dropped');
        this.options.events?.dropped?.(waiting.label, this.options.poisonReason, `delivery failed ${waiting.failures} times: ${messageOf(err)}`, err);
        return;
      }
      result = { kind: 'retry', detail: `delivery failed unexpectedly: ${messageOf(err)}` };
    }
    switch (result.kind) {
      case 'delivered':
        this.consecutiveFailures = 0;
        this.backingOff = false;
        this.finish(waiting, 'delivered');
        this.options.events?.delivered?.(waiting.label, waiting.backlogged ? 'backlog' : 'direct', result);
        return;
      case 'reject':
        this.finish(waiting, 'dropped');
        this.options.events?.dropped?.(waiting.label, result.reason, result.detail);
        return;
      case 'retry':
        await this.retryLater(waiting, result);
    }
  }

  private async retryLater(waiting: Waiting<T>, result: { detail: string; retryAfterMs?: number | undefined }): Promise<void> {
    if (this.stopping.signal.aborted) {
      this.requeue(waiting);
      return;
    }
    // The target is away: everything journaled waits on disk; one probe at a time from now on.
    this.backingOff = true;
    this.consecutiveFailures += 1;
    for (const w of this.waiting) this.backlog(w);
    this.backlog(waiting);
    this.requeue(waiting);
    const waitMs = backoffDelay(this.consecutiveFailures, this.options.backoff, { retryAfterMs: result.retryAfterMs });
    this.options.events?.unavailable?.(result.detail, waitMs);
    await abortableSleep(waitMs, this.stopping.signal);
  }

  private finish(waiting: Waiting<T>, _how: 'delivered' | 'dropped'): void {
    this.release(waiting.heldBytes);
    waiting.heldBytes = 0;
    waiting.item = undefined;
    this.dropPayload(waiting);
    if (waiting.id !== undefined) this.journal?.ack(waiting.id);
  }

  /** The target is away: the item waits (on disk when journaled), counted once as backlogged. */
  private backlog(waiting: Waiting<T>): void {
    if (!waiting.backlogged) {
      waiting.backlogged = true;
      this.options.events?.backlogged?.(waiting.label);
    }
    this.evict(waiting);
    this.dropPayload(waiting);
  }

  /** Lets go of a kept encoded payload; it is read back from the journal if it is needed again. */
  private dropPayload(waiting: Waiting<T>): void {
    if (waiting.payload === undefined) return;
    this.encodedBytes -= waiting.payload.byteLength;
    waiting.payload = undefined;
  }

  /** Lets go of a journaled item's memory; it is read back when its turn comes. */
  private evict(waiting: Waiting<T>): void {
    if (waiting.id === undefined || waiting.item === undefined) return;
    waiting.item = undefined;
    this.release(waiting.heldBytes);
    waiting.heldBytes = 0;
  }

  private release(bytes: number): void {
    if (bytes > 0) this.options.budget.release(bytes);
  }

  private async openJournal(): Promise<void> {
    try {
      const journal = await Journal.open(this.options.journal);
      this.journal = journal;
      const wasUnusable = this.journalError !== undefined;
      this.journalError = undefined;
      if (wasUnusable) this.options.events?.journalUsable?.();
      // Recovered items go first: they were captured before anything accepted from now on.
      const first = -journal.entries().length;
      journal.entries().forEach((e, i) => this.requeue({ seq: first + i, id: e.id, label: labelOf(e.meta), item: undefined, heldBytes: 0, attempts: 0, failures: 0, backlogged: true }));
      if (journal.recovery.recovered > 0 || journal.recovery.damagedSegments > 0) this.options.events?.journalRecovered?.(journal.recovery.recovered, journal.recovery.damagedSegments);
      for (const meta of journal.recovery.interrupted) this.options.events?.interrupted?.(labelOf(meta));
      this.pump();
    } catch (err) {
      this.journalUnusable(err);
    }
  }

  /**
   * A journal whose writes failed is probed every `reopenMs` until one succeeds, so its health
   * turns green again when the disk has room without waiting for the next turn to try.
   */
  private probeLater(journal: Journal): void {
    if (this.reopenTimer || this.stopping.signal.aborted) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.stopping.signal.aborted || this.journal !== journal || !journal.error) return;
      void journal.probe().then((ok) => {
        if (ok) this.options.events?.journalUsable?.();
        else this.probeLater(journal);
      });
    }, this.options.reopenMs ?? 5_000);
    this.reopenTimer.unref();
  }

  /** The journal could not be opened (unwritable or missing directory): memory only until it can. */
  private journalUnusable(err: unknown): void {
    this.journalError = err;
    this.options.events?.journalFailed?.(err);
    if (this.reopenTimer || this.stopping.signal.aborted) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (!this.journal && !this.stopping.signal.aborted) void this.openJournal();
    }, this.options.reopenMs ?? 5_000);
    this.reopenTimer.unref();
  }
}

function labelOf(meta: JournalMeta): ItemLabel {
  return { ...meta, requestId: meta['requestId'] ?? '', provider: meta['provider'] ?? 'unknown' };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
