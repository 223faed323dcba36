import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';

/**
 * Decompression bombs of each content coding capture sites undo (#12): small on the wire, each
 * inflating to {@link BOMB_DECODED_BYTES} — past every decode cap. The plain text is an SSE line
 * repeated, so a decoder that ignored its cap would hand a reducer something to chew on.
 */
export const BOMB_CODINGS = ['gzip', 'br', 'zstd', 'deflate'] as const;
export type BombCoding = (typeof BOMB_CODINGS)[number];

/** 256 MiB decoded: five times the default per-body cap (48 MiB). */
export const BOMB_DECODED_BYTES = 256 * 1024 * 1024;

const LINE = Buffer.from('data: {"type":"ping"}\n\n');

function plainChunk(bytes: number): Buffer {
  return Buffer.alloc(bytes, LINE.toString('latin1'), 'latin1');
}

/** One bomb of `coding`, built once per process (gzip/deflate/br by streaming node:zlib; zstd as RLE blocks). */
export function bomb(coding: BombCoding): Buffer {
  const cached = built.get(coding);
  if (cached) return cached;
  let body: Buffer;
  if (coding === 'zstd') {
    // One frame of RLE blocks (block size 128 KiB, each 4 bytes on the wire): the bytes repeat one
    // character rather than the SSE line, which zstd's RLE form cannot hold.
    const blocks = BOMB_DECODED_BYTES / (128 * 1024);
    const rle = [0x02, 0x00, 0x10, 0x61];
    const last = [0x03, 0x00, 0x10, 0x61];
    body = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, ...Array.from({ length: blocks - 1 }, () => rle).flat(), ...last]);
  } else {
    // Built once in the test process (256 MiB for a moment), compressed in one call.
    plain ??= plainChunk(BOMB_DECODED_BYTES);
    if (coding === 'br') body = zlib.brotliCompressSync(plain, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    else body = coding === 'gzip' ? zlib.gzipSync(plain, { level: 9 }) : zlib.deflateSync(plain, { level: 9 });
  }
  built.set(coding, body);
  return body;
}

const built = new Map<BombCoding, Buffer>();
let plain: Buffer | undefined;

/** Peak resident memory of a process (VmHWM, bytes) and its current one (VmRSS), from /proc. */
export function residentMemory(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}
