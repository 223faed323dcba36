import { chmod, mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { encodeRecord, RECORD_HEADER_BYTES, type JournalMeta } from './journal-record';
import { listSegments, readExactly, scanSegment, segmentPath } from './journal-segment';
import { SegmentWriter } from './segment-writer';

export interface JournalOptions {
  /** The journal's directory; created (mode 0700) if missing. One process owns a directory at a time. */
  dir: string;
  /** Bytes of unacknowledged records allowed; an append beyond it is refused ({@link JournalFullError}). */
  maxBytes: number;
  /** A segment is closed and a new one started past this size (default 64 MiB). */
  segmentBytes?: number;
}

/** One unacknowledged item, as listed: cheap, no payload. */
export interface JournalEntry {
  /** Increasing: a lower id was appended earlier. */
  readonly id: number;
  readonly meta: JournalMeta;
  /** Bytes the record occupies on disk. */
  readonly bytes: number;
}

export interface JournalRecovery {
  /** Items a previous run appended and never acknowledged: they are delivered again. */
  readonly recovered: number;
  /** Segments whose tail could not be read (a torn write, damage); what preceded it is kept. */
  readonly damagedSegments: number;
  /**
   * Exchanges a previous run marked in flight ({@link Journal.markInFlight}) and never settled:
   * the process died while they were under way. Their marks are settled on open, so each is
   * reported once.
   */
  readonly interrupted: readonly JournalMeta[];
}

/** An exchange marked in flight: settled by the item that names it, or by {@link Journal.ack}. */
export interface InFlightMark {
  readonly id: number;
  /** Resolves once the mark is in the kernel (it survives the process being killed); never rejects. */
  readonly written: Promise<boolean>;
}

export interface AppendReceipt {
  readonly id: number;
  /** Resolves once the record is on stable storage (group-committed fdatasync). */
  readonly durable: Promise<void>;
}

export class JournalFullError extends Error {
  override readonly name = 'JournalFullError';
}

interface Location {
  sequence: number;
  payloadOffset: number;
  payloadBytes: number;
  bytes: number;
  meta: JournalMeta;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** The item meta key naming the in-flight mark an item settles. */
const INFLIGHT_META = 'inflight';
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * An append-only, crash-safe log of items waiting for delivery (design §12: "journal first").
 *
 * A capture site appends a finished turn here before anything else happens to it; the append
 * resolves once the kernel holds the bytes, so a process killed a moment later loses nothing,
 * and the receipt's `durable` once a group-committed `fdatasync` covered it. The item leaves the
 * journal when its delivery is acknowledged (`ack`): an acknowledgement record is appended and
 * segments are deleted, oldest first, once nothing in them is waiting. Opening the directory
 * again recovers every item not acknowledged — delivery must be idempotent, as a crash between a
 * delivery and its acknowledgement delivers the item twice.
 *
 * Files are private to their owner (0600 in a 0700 directory): they hold conversations.
 */
export class Journal {
  private readonly live = new Map<number, Location>();
  private readonly liveBySegment = new Map<number, number>();
  private liveBytes = 0;
  private nextId: number;
  private readonly sealed = new Set<number>();
  /** Unsettled in-flight marks → the segment holding them (undefined while the write is pending). */
  private readonly marks = new Map<number, number | undefined>();
  private lastError: Error | undefined;
  /**
   * Read handles by segment, kept open while the segment lives: under load most items are read
   * back once (the delivery kit lets go of what no free slot takes), and an open/close per read
   * cost the forwarding thread more than the read itself (#17).
   */
  private readonly readers = new Map<number, Promise<FileHandle>>();

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly writer: SegmentWriter,
    nextId: number,
    readonly recovery: JournalRecovery,
  ) {
    this.nextId = nextId;
  }

  static async open(options: JournalOptions): Promise<Journal> {
    await mkdir(options.dir, { recursive: true, mode: DIR_MODE });
    await chmod(options.dir, DIR_MODE);
    const sequences = await listSegments(options.dir);
    const items = new Map<number, Location>();
    const marks = new Map<number, JournalMeta>();
    let maxId = 0;
    let damagedSegments = 0;
    for (const sequence of sequences) {
      const scan = await scanSegment(segmentPath(options.dir, sequence));
      if (scan.damagedBytes > 0) damagedSegments += 1;
      for (const record of scan.records) {
        maxId = Math.max(maxId, record.id);
        if (record.kind === 'ack') {
          items.delete(record.id);
          marks.delete(record.id);
        } else if (record.kind === 'inflight') {
          marks.set(record.id, record.meta);
        } else {
          items.set(record.id, { sequence, payloadOffset: record.payloadOffset, payloadBytes: record.payloadBytes, bytes: record.bytes, meta: record.meta });
          const settles = record.meta[INFLIGHT_META];
          if (settles !== undefined) marks.delete(Number(settles));
        }
      }
    }
    const active = (sequences.at(-1) ?? 0) + 1;
    // The writer reports sealed segments to the journal made just after it.
    const owner: { journal?: Journal } = {};
    const writer = new SegmentWriter(options.dir, active, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, (sequence) => owner.journal?.segmentSealed(sequence), FILE_MODE);
    const journal = new Journal(options.dir, options.maxBytes, writer, maxId + 1, { recovered: items.size, damagedSegments, interrupted: [...marks.values()] });
    owner.journal = journal;
    for (const sequence of sequences) journal.sealed.add(sequence);
    for (const [id, location] of [...items].sort((a, b) => a[0] - b[0])) journal.track(id, location);
    // Reported once: the interrupted marks are settled before anything new is written.
    if (marks.size > 0) await writer.write([...marks.keys()].flatMap((id) => encodeRecord('ack', id, undefined, undefined)));
    await journal.collect();
    return journal;
  }

  /**
   * What a journal directory holds, read without changing anything (for tools and tests; the
   * directory must not be open in a running process for the answer to be current).
   */
  static async inspect(dir: string): Promise<{ depth: number; bytes: number }> {
    let sequences: number[];
    try {
      sequences = await listSegments(dir);
    } catch {
      return { depth: 0, bytes: 0 };
    }
    const items = new Map<number, number>();
    for (const sequence of sequences) {
      for (const record of (await scanSegment(segmentPath(dir, sequence))).records) {
        if (record.kind === 'ack') items.delete(record.id);
        else if (record.kind === 'item') items.set(record.id, record.bytes);
      }
    }
    return { depth: items.size, bytes: [...items.values()].reduce((a, b) => a + b, 0) };
  }

  /**
   * Marks an exchange in flight (a small record, not counted against `maxBytes`). If the process
   * dies before the mark is settled — by the item that names it ({@link append}'s `settles`) or by
   * {@link ack} — the next open reports it under `recovery.interrupted`. The write is not awaited
   * by the caller unless it must be sure (`written`).
   */
  markInFlight(meta: JournalMeta = {}): InFlightMark {
    const id = this.nextId++;
    this.marks.set(id, undefined);
    const written = this.writer.write(encodeRecord('inflight', id, meta, undefined), false).then(
      (receipt) => {
        // Settled already (a very short exchange): its segment need not wait for it.
        if (this.marks.has(id)) {
          this.marks.set(id, receipt.sequence);
          this.liveBySegment.set(receipt.sequence, (this.liveBySegment.get(receipt.sequence) ?? 0) + 1);
        }
        return true;
      },
      // Not reported as the journal's error: the turn's own append reports a journal that fails.
      () => {
        this.marks.delete(id);
        return false;
      },
    );
    return { id, written };
  }

  /**
   * Appends an item. Resolves once the kernel has it (safe against the process dying); rejects
   * with {@link JournalFullError} when `maxBytes` would be exceeded, or with the I/O error.
   * `settles` names the in-flight mark the item completes (written in the same record, so a crash
   * cannot leave the item stored and its exchange also counted as interrupted).
   */
  async append(payload: Uint8Array, meta: JournalMeta = {}, settles?: number): Promise<AppendReceipt> {
    const buffers = encodeRecord('item', this.nextId, settles === undefined ? meta : { ...meta, [INFLIGHT_META]: String(settles) }, payload);
    const bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
    if (this.liveBytes + bytes > this.maxBytes) throw new JournalFullError(`the journal holds ${this.liveBytes} of ${this.maxBytes} bytes; an item of ${bytes} does not fit`);
    const id = this.nextId++;
    // Counted before the write lands, so concurrent appends cannot overshoot maxBytes together.
    this.liveBytes += bytes;
    try {
      const receipt = await this.writer.write(buffers);
      this.lastError = undefined;
      this.track(id, { sequence: receipt.sequence, payloadOffset: receipt.offset + RECORD_HEADER_BYTES + buffers[1]!.byteLength, payloadBytes: payload.byteLength, bytes, meta }, false);
      if (settles !== undefined) this.settleMark(settles);
      receipt.durable.catch((err: unknown) => this.fail(err));
      return { id, durable: receipt.durable };
    } catch (err) {
      this.liveBytes -= bytes;
      throw this.fail(err);
    }
  }

  /**
   * The item was delivered (or given up for good): it will not be recovered again. The
   * acknowledgement is written without waiting for a sync — losing it only means one more
   * (idempotent) delivery after a crash.
   */
  ack(id: number): void {
    if (this.marks.has(id)) {
      this.settleMark(id);
      this.writer.write(encodeRecord('ack', id, undefined, undefined), false).then(
        () => this.collect(),
        (err: unknown) => this.fail(err),
      );
      return;
    }
    const location = this.live.get(id);
    if (!location) return;
    this.live.delete(id);
    this.liveBytes -= location.bytes;
    const left = (this.liveBySegment.get(location.sequence) ?? 1) - 1;
    this.liveBySegment.set(location.sequence, left);
    this.writer.write(encodeRecord('ack', id, undefined, undefined), false).then(
      () => this.collect(),
      (err: unknown) => this.fail(err),
    );
  }

  /** The payload of an unacknowledged item. */
  async read(id: number): Promise<Buffer> {
    const location = this.live.get(id);
    if (!location) throw new Error(`journal item ${id} is not waiting`);
    let reader = this.readers.get(location.sequence);
    if (!reader) {
      reader = open(segmentPath(this.dir, location.sequence), 'r');
      this.readers.set(location.sequence, reader);
      // A segment that could not be opened is tried afresh next time.
      reader.catch(() => this.readers.get(location.sequence) === reader && this.readers.delete(location.sequence));
    }
    const handle = await reader;
    const payload = Buffer.allocUnsafe(location.payloadBytes);
    await readExactly(handle, payload, location.payloadOffset);
    return payload;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Every unacknowledged item, oldest first. */
  entries(): JournalEntry[] {
    return [...this.live].sort((a, b) => a[0] - b[0]).map(([id, l]) => ({ id, meta: l.meta, bytes: l.bytes }));
  }

  stats(): { depth: number; bytes: number } {
    return { depth: this.live.size, bytes: this.liveBytes };
  }

  /**
   * Writes a record that changes nothing (an acknowledgement of id 0, which no item has) to learn
   * whether the journal can be written again after a failure (a full disk freed): true, and the
   * error is cleared, when it can.
   */
  async probe(): Promise<boolean> {
    try {
      await this.writer.write(encodeRecord('ack', 0, undefined, undefined));
      this.lastError = undefined;
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /** The last write or sync error, until a later write succeeds. */
  get error(): Error | undefined {
    return this.lastError;
  }

  async close(): Promise<void> {
    await this.writer.close();
    for (const sequence of [...this.readers.keys()]) await this.closeReader(sequence);
  }

  private async closeReader(sequence: number): Promise<void> {
    const reader = this.readers.get(sequence);
    if (!reader) return;
    this.readers.delete(sequence);
    await reader.then((handle) => handle.close()).catch(() => undefined);
  }

  private track(id: number, location: Location, countBytes = true): void {
    this.live.set(id, location);
    if (countBytes) this.liveBytes += location.bytes;
    this.liveBySegment.set(location.sequence, (this.liveBySegment.get(location.sequence) ?? 0) + 1);
  }

  private settleMark(id: number): void {
    if (!this.marks.has(id)) return;
    const sequence = this.marks.get(id);
    this.marks.delete(id);
    if (sequence !== undefined) this.liveBySegment.set(sequence, (this.liveBySegment.get(sequence) ?? 1) - 1);
  }

  private segmentSealed(sequence: number): void {
    this.sealed.add(sequence);
    void this.collect();
  }

  /**
   * Deletes sealed segments from the oldest while nothing in them waits. Oldest first: a newer
   * segment may hold the acknowledgements of items in an older one, and must outlive it.
   */
  private async collect(): Promise<void> {
    for (const sequence of [...this.sealed].sort((a, b) => a - b)) {
      if ((this.liveBySegment.get(sequence) ?? 0) > 0) return;
      this.sealed.delete(sequence);
      this.liveBySegment.delete(sequence);
      await this.closeReader(sequence);
      await unlink(segmentPath(this.dir, sequence)).catch(() => undefined);
    }
  }

  private fail(err: unknown): Error {
    this.lastError = err instanceof Error ? err : new Error(String(err));
    return this.lastError;
  }
}
