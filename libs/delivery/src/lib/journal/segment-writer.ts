import { writevSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { segmentPath } from './journal-segment';

/** Where a write landed. */
export interface WriteReceipt {
  sequence: number;
  offset: number;
  /** Resolves once the bytes are on stable storage (fdatasync); rejects if that failed. */
  durable: Promise<void>;
}

interface Pending {
  buffers: Buffer[];
  bytes: number;
  /** Whether the caller needs the write on stable storage (`durable`): only then does it cost an fdatasync. */
  sync: boolean;
  resolve: (receipt: WriteReceipt) => void;
  reject: (err: unknown) => void;
}

interface SyncWaiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Appends to the journal's active segment with group commit.
 *
 * Writes queued while one is in progress go out together in the next `writev` (small batches
 * synchronously, see {@link SYNC_WRITE_MAX_BYTES}); a write resolves
 * as soon as the kernel has its bytes (they survive the process being killed — `kill -9`),
 * and its `durable` promise once an `fdatasync` that started after it has returned (they survive
 * the machine losing power). One sync is in flight at a time and covers every write that finished
 * before it started, so under load many turns share one flush.
 *
 * A segment past `segmentBytes` is synced and closed, and the next write opens a new one.
 */
export class SegmentWriter {
  private handle: FileHandle | undefined;
  private size = 0;
  private queue: Pending[] = [];
  private writing = false;
  private unsynced: SyncWaiter[] = [];
  private syncing = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    private sequence: number,
    private readonly segmentBytes: number,
    /** Told when a segment is complete (synced and closed): it can be deleted once its items are acknowledged. */
    private readonly onSealed: (sequence: number) => void,
    private readonly fileMode: number,
  ) {}

  /** The segment new records go to. */
  get activeSequence(): number {
    return this.sequence;
  }

  /**
   * Appends `buffers`. With `sync` false the write is not followed by an fdatasync of its own
   * (its `durable` resolves at once): for records whose loss to a power cut costs nothing but a
   * repeat (acknowledgements, in-flight marks), which a later synced write covers anyway. Under
   * c=1 the proxy wrote three records per turn, and their three syncs held up the next writes.
   */
  write(buffers: Buffer[], sync = true): Promise<WriteReceipt> {
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    const bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
    return new Promise((resolve, reject) => {
      this.queue.push({ buffers, bytes, sync, resolve, reject });
      void this.pump();
    });
  }

  /** Waits for queued writes, syncs, and closes the segment. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing || this.queue.length > 0 || this.syncing) await new Promise((r) => setImmediate(r));
    if (this.handle) {
      await this.handle.datasync().catch(() => undefined);
      await this.handle.close();
      this.handle = undefined;
    }
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          if (!this.handle || this.size >= this.segmentBytes) await this.rotate();
          const handle = this.handle as FileHandle;
          const start = this.size;
          const bytes = batch.reduce((n, p) => n + p.bytes, 0);
          const buffers = batch.flatMap((p) => p.buffers);
          if (bytes <= SYNC_WRITE_MAX_BYTES && !this.syncing) writeAllSync(handle.fd, buffers, start);
          else await writeAll(handle, buffers, start);
          this.size += bytes;
          let offset = start;
          for (const pending of batch) {
            const durable = pending.sync ? new Promise<void>((resolve, reject) => this.unsynced.push({ resolve, reject })) : NOT_SYNCED;
            durable.catch(() => undefined); // a caller that ignores durability must not see an unhandled rejection
            pending.resolve({ sequence: this.sequence, offset, durable });
            offset += pending.bytes;
          }
          void this.sync();
        } catch (err) {
          for (const pending of batch) pending.reject(err);
          // A failed write may have left a partial record: start a fresh segment next time
          // rather than append after bytes a reader will stop at.
          await this.abandonSegment();
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async sync(): Promise<void> {
    if (this.syncing || this.unsynced.length === 0 || !this.handle) return;
    this.syncing = true;
    const waiters = this.unsynced;
    this.unsynced = [];
    const handle = this.handle;
    try {
      await handle.datasync();
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      this.syncing = false;
    }
    if (this.unsynced.length > 0) void this.sync();
  }

  private async rotate(): Promise<void> {
    if (this.handle) {
      await this.flushSyncs();
      // Unsynced records (acknowledgements, marks) reach stable storage before the segment is left.
      await this.handle.datasync().catch(() => undefined);
      await this.handle.close();
      this.onSealed(this.sequence);
      this.sequence += 1;
    }
    this.handle = await open(segmentPath(this.dir, this.sequence), 'wx', this.fileMode);
    this.size = 0;
    await syncDirectory(this.dir);
  }

  private async abandonSegment(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return;
    await this.flushSyncs().catch(() => undefined);
    await handle.close().catch(() => undefined);
    this.onSealed(this.sequence);
    this.sequence += 1;
  }

  /** Resolves the writes waiting for a sync of the current handle (before it is closed). */
  private async flushSyncs(): Promise<void> {
    while (this.syncing) await new Promise((r) => setImmediate(r));
    if (this.unsynced.length > 0) await this.sync();
  }
}

/**
 * Batches up to this size are written synchronously, straight into the page cache (a few
 * microseconds for a turn's record), rather than through libuv's thread pool, while no fdatasync
 * is running: on a busy 2-core machine the hop there and back cost a turn ~0.45 ms p50 before its
 * response could end (#17, #12). While a sync runs, a write may wait in the kernel for pages under
 * writeback, which must not stall the forwarding thread: writes then go through the pool and
 * queue up for one group `writev`, as do bigger batches (a long conversation's turn). Measured
 * under c=64, writing synchronously regardless cost ~15% more CPU per turn than either.
 */
const SYNC_WRITE_MAX_BYTES = 256 * 1024;

/** The `durable` of a write made without a sync of its own. */
const NOT_SYNCED: Promise<void> = Promise.resolve();

function writeAllSync(fd: number, buffers: Buffer[], position: number): void {
  let remaining = buffers.filter((b) => b.byteLength > 0);
  let at = position;
  while (remaining.length > 0) {
    const written = writevSync(fd, remaining, at);
    at += written;
    remaining = unwritten(remaining, written);
  }
}

/** What is left of `buffers` once their first `written` bytes went out. */
function unwritten(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  const rest: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.byteLength) {
      skip -= b.byteLength;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

async function writeAll(handle: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let remaining = buffers.filter((b) => b.byteLength > 0);
  let at = position;
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining, at);
    at += bytesWritten;
    remaining = unwritten(remaining, bytesWritten);
  }
}

/** Makes a new directory entry (a new segment) durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the file's own sync still holds its data.
  } finally {
    await handle.close();
  }
}
