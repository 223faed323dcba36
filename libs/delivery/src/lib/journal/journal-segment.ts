import type { FileHandle } from 'node:fs/promises';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { decodeMeta, decodeRecordHeader, RECORD_HEADER_BYTES, recordIntact, type JournalMeta, type RecordKind } from './journal-record';

const SEGMENT_FILE = /^(\d{16})\.journal$/;

export function segmentFileName(sequence: number): string {
  return `${String(sequence).padStart(16, '0')}.journal`;
}

/** Segment sequence numbers present in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** One intact record found by a scan: where its payload lies, not the payload itself. */
export interface ScannedRecord {
  kind: RecordKind;
  id: number;
  meta: JournalMeta;
  /** Offset of the record's first byte in the segment. */
  offset: number;
  /** Bytes of the whole record (header, meta, payload). */
  bytes: number;
  payloadOffset: number;
  payloadBytes: number;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** Where the scan stopped: the segment's length, or the first byte that is not an intact record. */
  end: number;
  /** Bytes after `end` that could not be read as records (a torn write, damage). */
  damagedBytes: number;
}

/**
 * Reads a segment record by record. It stops at the first record that is cut short or fails its
 * CRC: appends are sequential, so what follows a torn record was never acknowledged as written.
 */
export async function scanSegment(file: string): Promise<SegmentScan> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const records: ScannedRecord[] = [];
    let offset = 0;
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    while (offset + RECORD_HEADER_BYTES <= size) {
      await readExactly(handle, header, offset);
      const frame = decodeRecordHeader(header);
      if (!frame) break;
      const bytes = RECORD_HEADER_BYTES + frame.metaBytes + frame.payloadBytes;
      if (offset + bytes > size) break;
      const body = Buffer.alloc(frame.metaBytes + frame.payloadBytes);
      await readExactly(handle, body, offset + RECORD_HEADER_BYTES);
      const metaBuf = body.subarray(0, frame.metaBytes);
      if (!recordIntact(header, metaBuf, body.subarray(frame.metaBytes))) break;
      let meta: JournalMeta;
      try {
        meta = decodeMeta(metaBuf);
      } catch {
        break;
      }
      records.push({ kind: frame.kind, id: frame.id, meta, offset, bytes, payloadOffset: offset + RECORD_HEADER_BYTES + frame.metaBytes, payloadBytes: frame.payloadBytes });
      offset += bytes;
    }
    return { records, end: offset, damagedBytes: size - offset };
  } finally {
    await handle.close();
  }
}

export async function readExactly(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) throw new Error(`journal segment ended ${into.byteLength - done} bytes early at ${position + done}`);
    done += bytesRead;
  }
}

export function segmentPath(dir: string, sequence: number): string {
  return path.join(dir, segmentFileName(sequence));
}
