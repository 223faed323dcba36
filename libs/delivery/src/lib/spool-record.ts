import { createHash } from 'node:crypto';

/**
 * The on-disk form of one spooled item. Self-checking, so a file cut short by a crash or damaged
 * on disk is recognised instead of being delivered as garbage:
 *
 * ```
 * 0   8 bytes  magic "TAPESPL1"
 * 8   u32 BE   meta length (UTF-8 JSON object of strings)
 * 12  u32 BE   payload length
 * 16  32 bytes SHA-256 of meta ‖ payload
 * 48  meta, then payload
 * ```
 */
export const SPOOL_RECORD_MAGIC = Buffer.from('TAPESPL1', 'latin1');
export const SPOOL_RECORD_HEADER_BYTES = 48;

export type SpoolMeta = Readonly<Record<string, string>>;

export class SpoolRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolRecordError';
  }
}

export function encodeSpoolRecord(payload: Uint8Array, meta: SpoolMeta): Buffer[] {
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  if (payload.byteLength > 0xffffffff) throw new SpoolRecordError(`payload of ${payload.byteLength} bytes is too large for one spool record`);
  const header = Buffer.alloc(SPOOL_RECORD_HEADER_BYTES);
  SPOOL_RECORD_MAGIC.copy(header, 0);
  header.writeUInt32BE(metaBytes.byteLength, 8);
  header.writeUInt32BE(payload.byteLength, 12);
  createHash('sha256').update(metaBytes).update(payload).digest().copy(header, 16);
  return [header, metaBytes, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
}

export interface SpoolRecordHeader {
  metaLength: number;
  payloadLength: number;
  digest: Buffer;
}

/** Reads the fixed header; throws {@link SpoolRecordError} when it is not a spool record. */
export function decodeSpoolHeader(header: Buffer, fileSize: number): SpoolRecordHeader {
  if (header.byteLength < SPOOL_RECORD_HEADER_BYTES) throw new SpoolRecordError(`file of ${fileSize} bytes is shorter than a record header`);
  if (!header.subarray(0, 8).equals(SPOOL_RECORD_MAGIC)) throw new SpoolRecordError('bad magic');
  const metaLength = header.readUInt32BE(8);
  const payloadLength = header.readUInt32BE(12);
  const expected = SPOOL_RECORD_HEADER_BYTES + metaLength + payloadLength;
  if (expected !== fileSize) throw new SpoolRecordError(`header announces ${expected} bytes but the file has ${fileSize} (cut short or padded)`);
  return { metaLength, payloadLength, digest: Buffer.from(header.subarray(16, 48)) };
}

export function decodeSpoolMeta(bytes: Buffer): SpoolMeta {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SpoolRecordError('meta is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new SpoolRecordError('meta is not an object of strings');
  }
  return Object.freeze({ ...(value as Record<string, string>) });
}

/** Decodes a whole record and checks its digest. */
export function decodeSpoolRecord(file: Buffer): { meta: SpoolMeta; payload: Buffer } {
  const header = decodeSpoolHeader(file, file.byteLength);
  const metaEnd = SPOOL_RECORD_HEADER_BYTES + header.metaLength;
  const metaBytes = file.subarray(SPOOL_RECORD_HEADER_BYTES, metaEnd);
  const payload = file.subarray(metaEnd);
  const digest = createHash('sha256').update(metaBytes).update(payload).digest();
  if (!digest.equals(header.digest)) throw new SpoolRecordError('checksum mismatch');
  return { meta: decodeSpoolMeta(metaBytes), payload };
}
