import { contentCodingTokens } from './content-codings';
import { ZSTD_MAX_WINDOW_BYTES } from './zstd-frame-guard';

/**
 * What decoding a body costs besides the decoded bytes themselves: each layer's own window and
 * buffers, allocated by the codec (node:zlib's native state, fzstd's window) where no decoded-byte
 * count sees it (#12). 100 brotli bombs decoding at once held ~950 MiB in their 4 MiB windows
 * before this was counted. Read from the outermost layer's header where the format says it
 * (brotli WBITS, the zstd window descriptor); the largest the format allows for inner layers.
 */
export function codecMemory(header: string | null | undefined, body: Uint8Array): number {
  return contentCodingTokens(header)
    .reverse() // outermost first: only its header is in `body`
    .reduce((sum, coding, i) => sum + layerMemory(coding, i === 0 ? body : undefined), 0);
}

/** node:zlib's inflate state, its 32 KiB window and a 128 KiB output buffer, rounded up. */
const ZLIB_BYTES = 256 * 1024;
/** Brotli's largest standard window (WBITS 24), plus its buffers. */
const BROTLI_MAX_BYTES = 16 * 1024 * 1024 + ZLIB_BYTES;

function layerMemory(coding: string, head: Uint8Array | undefined): number {
  switch (coding) {
    case 'gzip':
    case 'deflate':
      return ZLIB_BYTES;
    case 'br':
      return head && head.byteLength > 0 ? brotliWindow(head[0] as number) + ZLIB_BYTES : BROTLI_MAX_BYTES;
    case 'zstd':
      return (head ? zstdWindow(head) : undefined) ?? ZSTD_MAX_WINDOW_BYTES;
    default:
      return 0; // not decoded at all (unsupported)
  }
}

/** RFC 7932 §9.2: the window size a brotli stream declares in its first bits. */
function brotliWindow(first: number): number {
  let wbits: number;
  if ((first & 1) === 0) wbits = 16;
  else if (((first >> 1) & 7) !== 0) wbits = 17 + ((first >> 1) & 7);
  else if (((first >> 4) & 7) === 1) return 16 * 1024 * 1024; // large-window brotli: node refuses it; count the most
  else if (((first >> 4) & 7) !== 0) wbits = 8 + ((first >> 4) & 7);
  else wbits = 17;
  return (1 << wbits) - 16;
}

/** RFC 8878 §3.1.1.1: the first frame's window (or, single-segment, its content size); undefined when unreadable. */
function zstdWindow(head: Uint8Array): number | undefined {
  if (head.byteLength < 6 || head[0] !== 0x28 || head[1] !== 0xb5 || head[2] !== 0x2f || head[3] !== 0xfd) return undefined;
  const descriptor = head[4] as number;
  const singleSegment = (descriptor & 0x20) !== 0;
  if (!singleSegment) {
    const wd = head[5] as number;
    const base = 2 ** (10 + (wd >> 3));
    return Math.min(ZSTD_MAX_WINDOW_BYTES, base + (base / 8) * (wd & 7));
  }
  const dictBytes = [0, 1, 2, 4][descriptor & 3] as number;
  const fcsBytes = [1, 2, 4, 8][descriptor >> 6] as number;
  const at = 5 + dictBytes;
  if (head.byteLength < at + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + (head[at + i] as number);
  if (fcsBytes === 2) size += 256;
  return Math.min(ZSTD_MAX_WINDOW_BYTES, size);
}
