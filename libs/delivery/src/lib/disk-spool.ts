import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  decodeSpoolHeader,
  decodeSpoolMeta,
  decodeSpoolRecord,
  encodeSpoolRecord,
  SPOOL_RECORD_HEADER_BYTES,
  SpoolRecordError,
  type SpoolMeta,
} from './spool-record';

export interface DiskSpoolOptions {
  /** The spool directory; created if missing. One process owns a directory at a time. */
  dir: string;
  /** Total bytes of spooled files allowed; a put beyond it is refused (`spool_full`). */
  maxBytes: number;
}

/** One spooled item as listed: cheap, no payload. */
export interface SpoolEntry {
  /** Sortable: a lower id was spooled earlier. */
  readonly id: string;
  /** Bytes the item occupies on disk (header, meta and payload). */
  readonly bytes: number;
  readonly meta: SpoolMeta;
}

export interface SpoolItem extends SpoolEntry {
  readonly payload: Buffer;
}

export type SpoolPutResult = { readonly stored: true; readonly id: string } | { readonly stored: false; readonly reason: 'spool_full' };

export interface SpoolStats {
  /** Items waiting. */
  readonly depth: number;
  /** Bytes they occupy on disk. */
  readonly bytes: number;
}

/** What the start-up scan found. */
export interface SpoolRecovery {
  /** Intact items carried over from before the restart. */
  readonly recovered: number;
  /** Items found damaged (cut short, bad header, bad meta) and moved to `quarantine/`. */
  readonly quarantined: number;
  /** Temp files of writes a crash interrupted; never renamed, so never acknowledged: removed. */
  readonly partialRemoved: number;
}

const ITEM_FILE = /^(\d{16})\.spool$/;
const TEMP_SUFFIX = '.tmp';
const QUARANTINE_DIR = 'quarantine';

/**
 * A directory of items that survives restarts: what a capture site could not deliver waits here
 * until its target is back.
 *
 * Crash safety: an item is written to a temp file, fsynced, renamed to its final name and the
 * directory fsynced, so after a crash a final name always holds a whole item; temp files left by
 * an interrupted write are removed at start-up (that write never returned, so nobody was told the
 * item was safe). Each record carries a SHA-256 (see `spool-record.ts`); a damaged file is moved
 * to `quarantine/` and counted, never delivered and never allowed to block the items behind it.
 *
 * Items are numbered in the order `put` was called; `list()` is oldest first. Puts that overlap
 * in time may become visible slightly out of that order (each waits for its own fsync); delivery
 * is idempotent, so that only matters for which item is retried first.
 */
export class DiskSpool {
  private readonly entries: SpoolEntry[] = [];
  private totalBytes = 0;
  /** Bytes of puts in progress, counted against maxBytes before they land. */
  private reservedBytes = 0;
  private nextSequence: number;
  private quarantinedTotal: number;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    recovered: SpoolEntry[],
    nextSequence: number,
    readonly recovery: SpoolRecovery,
  ) {
    for (const entry of recovered.sort(byId)) {
      this.entries.push(entry);
      this.totalBytes += entry.bytes;
    }
    this.nextSequence = nextSequence;
    this.quarantinedTotal = recovery.quarantined;
  }

  /** Opens (creating if needed) a spool directory and recovers what a previous run left in it. */
  static async open(options: DiskSpoolOptions): Promise<DiskSpool> {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) throw new RangeError(`spool maxBytes must be a positive integer, got ${options.maxBytes}`);
    const dir = path.resolve(options.dir);
    await mkdir(dir, { recursive: true });
    const recovered: SpoolEntry[] = [];
    let quarantined = 0;
    let partialRemoved = 0;
    let highest = 0;
    for (const name of await readdir(dir)) {
      const full = path.join(dir, name);
      if (name.endsWith(TEMP_SUFFIX)) {
        await unlinkIfPresent(full);
        partialRemoved += 1;
        continue;
      }
      const match = ITEM_FILE.exec(name);
      if (!match) continue;
      const sequence = Number(match[1]);
      highest = Math.max(highest, sequence);
      try {
        recovered.push(await readEntry(full, idOf(sequence)));
      } catch (err) {
        if (!(err instanceof SpoolRecordError)) throw err;
        await quarantine(dir, name);
        quarantined += 1;
      }
    }
    if (partialRemoved > 0) await fsyncDir(dir);
    return new DiskSpool(dir, options.maxBytes, recovered, highest + 1, { recovered: recovered.length, quarantined, partialRemoved });
  }

  /**
   * Stores one item durably. Resolves `{ stored: true }` only once the item would survive a
   * crash; `{ stored: false, reason: 'spool_full' }` when it does not fit. Throws on I/O errors
   * (disk full, permissions): the caller counts the item as lost for that reason.
   */
  async put(payload: Uint8Array, meta: SpoolMeta = {}): Promise<SpoolPutResult> {
    const parts = encodeSpoolRecord(payload, meta);
    const bytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
    if (this.totalBytes + this.reservedBytes + bytes > this.maxBytes) return { stored: false, reason: 'spool_full' };
    this.reservedBytes += bytes;
    const id = idOf(this.nextSequence++);
    const finalPath = this.pathOf(id);
    const tempPath = finalPath + TEMP_SUFFIX;
    try {
      const handle = await open(tempPath, 'wx');
      try {
        await handle.writev(parts);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, finalPath);
      await fsyncDir(this.dir);
    } catch (err) {
      await unlinkIfPresent(tempPath).catch(() => undefined);
      throw err;
    } finally {
      this.reservedBytes -= bytes;
    }
    insertSorted(this.entries, { id, bytes, meta: Object.freeze({ ...meta }) });
    this.totalBytes += bytes;
    for (const listener of this.listeners) listener();
    return { stored: true, id };
  }

  /** Every waiting item, oldest first (no payloads). */
  list(): readonly SpoolEntry[] {
    return [...this.entries];
  }

  oldest(): SpoolEntry | undefined {
    return this.entries[0];
  }

  /**
   * Reads one item with its payload, verifying its checksum. A damaged item is quarantined and
   * `undefined` returned, as for an id that is not (or no longer) spooled.
   */
  async read(id: string): Promise<SpoolItem | undefined> {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) return undefined;
    let file: Buffer;
    try {
      file = await readFile(this.pathOf(id));
    } catch (err) {
      if (isNotFound(err)) {
        this.forget(id);
        return undefined;
      }
      throw err;
    }
    try {
      const { meta, payload } = decodeSpoolRecord(file);
      return { id, bytes: entry.bytes, meta, payload };
    } catch (err) {
      if (!(err instanceof SpoolRecordError)) throw err;
      await quarantine(this.dir, path.basename(this.pathOf(id)));
      this.quarantinedTotal += 1;
      this.forget(id);
      return undefined;
    }
  }

  /** Deletes an item (delivered, or refused for good). Removing an unknown id is a no-op. */
  async remove(id: string): Promise<void> {
    if (!this.entries.some((e) => e.id === id)) return;
    await unlinkIfPresent(this.pathOf(id));
    this.forget(id);
  }

  /**
   * Moves an item behind every other one (it gets the next number; the rename is atomic and
   * fsynced), so that an item its target keeps refusing does not hold the others back. Returns the
   * item's new id, or undefined when it is not spooled.
   */
  async requeue(id: string): Promise<string | undefined> {
    const index = this.entries.findIndex((e) => e.id === id);
    const entry = this.entries[index];
    if (!entry) return undefined;
    const newId = idOf(this.nextSequence++);
    await rename(this.pathOf(id), this.pathOf(newId));
    await fsyncDir(this.dir);
    this.entries.splice(index, 1);
    insertSorted(this.entries, { ...entry, id: newId });
    return newId;
  }

  stats(): SpoolStats {
    return { depth: this.entries.length, bytes: this.totalBytes };
  }

  /** Items quarantined since open, at start-up or on read. */
  get quarantined(): number {
    return this.quarantinedTotal;
  }

  /** Calls `listener` after every successful put; returns the unsubscribe function. */
  onPut(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Proves the directory still takes durable writes (health checks): write, fsync, delete a probe. */
  async checkWritable(): Promise<void> {
    const probe = path.join(this.dir, `.probe-${process.pid}-${Date.now()}${TEMP_SUFFIX}`);
    const handle = await open(probe, 'w');
    try {
      await handle.writeFile('ok');
      await handle.sync();
    } finally {
      await handle.close();
      await unlinkIfPresent(probe);
    }
  }

  private pathOf(id: string): string {
    return path.join(this.dir, `${id}.spool`);
  }

  private forget(id: string): void {
    const index = this.entries.findIndex((e) => e.id === id);
    if (index === -1) return;
    const [entry] = this.entries.splice(index, 1);
    this.totalBytes -= entry?.bytes ?? 0;
  }
}

function idOf(sequence: number): string {
  return String(sequence).padStart(16, '0');
}

function byId(a: SpoolEntry, b: SpoolEntry): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function insertSorted(entries: SpoolEntry[], entry: SpoolEntry): void {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const probe = entries[mid];
    if (probe !== undefined && probe.id < entry.id) low = mid + 1;
    else high = mid;
  }
  entries.splice(low, 0, entry);
}

/** Header and meta only: start-up stays proportional to the number of items, not their bytes. */
async function readEntry(file: string, id: string): Promise<SpoolEntry> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(SPOOL_RECORD_HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, SPOOL_RECORD_HEADER_BYTES, 0);
    const parsed = decodeSpoolHeader(header.subarray(0, bytesRead), size);
    const metaBytes = Buffer.alloc(parsed.metaLength);
    await handle.read(metaBytes, 0, parsed.metaLength, SPOOL_RECORD_HEADER_BYTES);
    return { id, bytes: size, meta: decodeSpoolMeta(metaBytes) };
  } finally {
    await handle.close();
  }
}

async function quarantine(dir: string, name: string): Promise<void> {
  const target = path.join(dir, QUARANTINE_DIR);
  await mkdir(target, { recursive: true });
  // The timestamp keeps a later item that reuses the number from overwriting this evidence.
  await rename(path.join(dir, name), path.join(target, `${name}.${Date.now()}`));
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable (POSIX: a rename is recorded in the directory, not the file).
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
