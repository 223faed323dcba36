import { buf as crc32 } from 'crc-32';

/**
 * One record of a journal segment:
 *
 *   magic u32 'TJR1' | kind u8 | 3 reserved | id u64 | meta length u32 | payload length u32 | crc32 i32 | meta (JSON) | payload
 *
 * `kind` 1 is an item (meta + payload), 2 an acknowledgement of record `id` (no meta, no payload),
 * 3 an exchange in flight (meta only): written when a capture begins, settled by the item that
 * names it (meta `inflight`) or by an acknowledgement; one left unsettled by a crash is counted
 * by the next start.
 * The CRC covers the header fields before it, the meta and the payload, so a record cut short by
 * a crash or overwritten by garbage is recognised and never delivered.
 */
export const RECORD_HEADER_BYTES = 28;
const MAGIC = 0x544a5231;

export type RecordKind = 'item' | 'ack' | 'inflight';
const KIND_CODE: Record<RecordKind, number> = { item: 1, ack: 2, inflight: 3 };
const KIND_OF_CODE: Record<number, RecordKind | undefined> = { 1: 'item', 2: 'ack', 3: 'inflight' };

export type JournalMeta = Readonly<Record<string, string>>;

export interface RecordFrame {
  kind: RecordKind;
  id: number;
  metaBytes: number;
  payloadBytes: number;
}

export function encodeRecord(kind: RecordKind, id: number, meta: JournalMeta | undefined, payload: Uint8Array | undefined): Buffer[] {
  const metaBuf = meta && Object.keys(meta).length > 0 ? Buffer.from(JSON.stringify(meta), 'utf8') : Buffer.alloc(0);
  const body = payload ?? Buffer.alloc(0);
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt8(KIND_CODE[kind], 4);
  header.writeBigUInt64BE(BigInt(id), 8);
  header.writeUInt32BE(metaBuf.byteLength, 16);
  header.writeUInt32BE(body.byteLength, 20);
  header.writeInt32BE(checksum(header, metaBuf, body), 24);
  return [header, metaBuf, Buffer.from(body.buffer, body.byteOffset, body.byteLength)];
}

/** The frame at the start of `header` (RECORD_HEADER_BYTES long), or undefined when it is not one. */
export function decodeRecordHeader(header: Buffer): RecordFrame | undefined {
  if (header.byteLength < RECORD_HEADER_BYTES || header.readUInt32BE(0) !== MAGIC) return undefined;
  const kind = KIND_OF_CODE[header.readUInt8(4)];
  if (!kind) return undefined;
  const id = header.readBigUInt64BE(8);
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { kind, id: Number(id), metaBytes: header.readUInt32BE(16), payloadBytes: header.readUInt32BE(20) };
}

/** True when the record's stored CRC matches its header, meta and payload. */
export function recordIntact(header: Buffer, meta: Buffer, payload: Buffer): boolean {
  return header.readInt32BE(24) === checksum(header, meta, payload);
}

export function decodeMeta(meta: Buffer): JournalMeta {
  if (meta.byteLength === 0) return {};
  const parsed = JSON.parse(meta.toString('utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('journal record meta is not an object');
  return parsed as JournalMeta;
}

function checksum(header: Buffer, meta: Buffer, payload: Uint8Array): number {
  let crc = crc32(header.subarray(0, 24));
  crc = crc32(meta, crc);
  return crc32(payload, crc);
}
