/**
 * The largest window a zstd frame may declare: 2^25 bytes (windowLog 25), inclusive. The Go
 * reference bounds its decoder the same way (`WithDecoderMaxWindow`), and the corpus pins the bound
 * on both sides (`limit-zstd-window-at-cap`, `limit-zstd-window-over-cap`).
 */
export const ZSTD_MAX_WINDOW_BYTES = 2 ** 25;

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames use magics 0x184D2A50 to 0x184D2A5F (RFC 8878 §3.1.2). */
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_BYTES = 128 * 1024;

type State =
  | { at: 'magic' }
  | { at: 'skippable-size' }
  | { at: 'skip'; remaining: number }
  | { at: 'descriptor' }
  | { at: 'header-rest'; descriptor: number; length: number }
  | { at: 'block-header' }
  | { at: 'block-body'; remaining: number; last: boolean }
  | { at: 'checksum' };

/**
 * Walks the container structure of a zstd stream (RFC 8878 §3.1) ahead of the decoder and refuses
 * what must never reach it. fzstd allocates a frame's whole declared window as soon as it reads
 * the header (up to 2 GiB), trusts block sizes, and ignores dictionaries, so the checks happen
 * here, on bytes the decoder has not been given yet:
 *
 * - the window bound ({@link ZSTD_MAX_WINDOW_BYTES}); a single-segment frame's window is its
 *   content size (§3.1.1.1.2), as in libzstd and the Go reference;
 * - the reserved descriptor bit, the reserved block type, and blocks larger than
 *   `min(window, 128 KiB)` (§3.1.1.2.3);
 * - frames that need a dictionary (none is configured, so their output would be wrong);
 * - bytes at a frame boundary that start neither a frame nor a skippable frame (trailing garbage).
 *
 * It also knows, precisely, whether the input stopped at a frame boundary — the truncation signal.
 * Content checksums are skipped over, not verified: fzstd has no XXH64.
 */
export class ZstdFrameGuard {
  private state: State = { at: 'magic' };
  /** Bytes of the fixed-size field being read (at most 13). */
  private readonly field = new Uint8Array(16);
  private fieldLength = 0;
  private windowBytes = 0;
  private checksummed = false;
  private offset = 0;
  /** Where the frame being read began. */
  private frameStart = 0;

  /** True when every byte seen so far belongs to a complete frame: ending here is not a cut. */
  get atFrameBoundary(): boolean {
    return this.state.at === 'magic' && this.fieldLength === 0;
  }

  /**
   * Bytes at the end of the input that belong to a frame header not yet read whole, so not yet
   * checked. The codec holds them back from fzstd until they are: fzstd must never see a header
   * the guard has not passed, not even when a cut stream is flushed at its end.
   */
  get uncheckedHeaderBytes(): number {
    const at = this.state.at;
    return at === 'magic' || at === 'skippable-size' || at === 'descriptor' || at === 'header-rest' ? this.offset - this.frameStart : 0;
  }

  /** Where the input ended, for a truncation message. */
  describePosition(): string {
    return `input ended at byte ${this.offset} while reading ${this.state.at.replace('-', ' ')}`;
  }

  /** Inspects the next bytes; returns why the stream must be refused, or undefined. */
  scan(chunk: Uint8Array): string | undefined {
    let i = 0;
    while (i < chunk.byteLength) {
      const state = this.state;
      switch (state.at) {
        case 'skip':
        case 'block-body': {
          const take = Math.min(state.remaining, chunk.byteLength - i);
          i += take;
          this.offset += take;
          state.remaining -= take;
          if (state.remaining === 0) this.state = state.at === 'skip' ? this.nextFrame() : this.afterBlock(state.last);
          continue;
        }
        default: {
          const need = this.fieldSize(state);
          const take = Math.min(need - this.fieldLength, chunk.byteLength - i);
          this.field.set(chunk.subarray(i, i + take), this.fieldLength);
          this.fieldLength += take;
          i += take;
          this.offset += take;
          if (this.fieldLength < need) continue;
          this.fieldLength = 0;
          const refusal = this.onField(state);
          if (refusal) return refusal;
        }
      }
    }
    return undefined;
  }

  private fieldSize(state: State): number {
    switch (state.at) {
      case 'magic':
      case 'skippable-size':
      case 'checksum':
        return 4;
      case 'descriptor':
        return 1;
      case 'header-rest':
        return state.length;
      case 'block-header':
        return 3;
      default:
        return 0;
    }
  }

  private onField(state: State): string | undefined {
    const f = this.field;
    switch (state.at) {
      case 'magic': {
        const magic = readLE(f, 0, 4);
        if (magic === FRAME_MAGIC) this.state = { at: 'descriptor' };
        else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) this.state = { at: 'skippable-size' };
        else return `not a zstd frame at byte ${this.offset - 4} (magic 0x${magic.toString(16).padStart(8, '0')})`;
        return undefined;
      }
      case 'skippable-size': {
        const size = readLE(f, 0, 4);
        this.state = size === 0 ? this.nextFrame() : { at: 'skip', remaining: size };
        return undefined;
      }
      case 'descriptor': {
        const descriptor = f[0] ?? 0;
        if (descriptor & 0x08) return 'reserved bit set in the zstd frame header descriptor';
        const singleSegment = (descriptor >> 5) & 1;
        const fcsFlag = descriptor >> 6;
        const dictIdBytes = [0, 1, 2, 4][descriptor & 3] ?? 0;
        const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
        // Never zero: a frame declares a window descriptor or (single segment) a content size.
        this.state = { at: 'header-rest', descriptor, length: (singleSegment ? 0 : 1) + dictIdBytes + fcsBytes };
        return undefined;
      }
      case 'header-rest':
        return this.onHeader(state.descriptor);
      case 'block-header': {
        const header = readLE(f, 0, 3);
        const last = (header & 1) === 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) return `reserved zstd block type at byte ${this.offset - 3}`;
        const maxBlock = Math.min(this.windowBytes, MAX_BLOCK_BYTES);
        if (size > maxBlock) return `zstd block of ${size} bytes exceeds the ${maxBlock}-byte maximum at byte ${this.offset - 3}`;
        // An RLE block carries one byte whatever it expands to.
        const body = type === 1 ? 1 : size;
        this.state = body === 0 ? this.afterBlock(last) : { at: 'block-body', remaining: body, last };
        return undefined;
      }
      case 'checksum':
        this.state = this.nextFrame();
        return undefined;
      default:
        return undefined;
    }
  }

  private onHeader(descriptor: number): string | undefined {
    const f = this.field;
    const singleSegment = (descriptor >> 5) & 1;
    const fcsFlag = descriptor >> 6;
    const dictIdBytes = [0, 1, 2, 4][descriptor & 3] ?? 0;
    let at = 0;
    let window = 0;
    if (!singleSegment) {
      const wd = f[at++] ?? 0;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    const dictId = readLE(f, at, dictIdBytes);
    at += dictIdBytes;
    if (dictId !== 0) return `zstd frame needs dictionary ${dictId}, and none is configured`;
    if (singleSegment) {
      const fcsBytes = fcsFlag === 0 ? 1 : 1 << fcsFlag;
      window = readLE(f, at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    }
    if (window > ZSTD_MAX_WINDOW_BYTES) {
      return `zstd frame declares a window of ${window} bytes, over the decoder's bound of ${ZSTD_MAX_WINDOW_BYTES} (windowLog 25)`;
    }
    this.windowBytes = window;
    this.checksummed = ((descriptor >> 2) & 1) === 1;
    this.state = { at: 'block-header' };
    return undefined;
  }

  private afterBlock(last: boolean): State {
    if (!last) return { at: 'block-header' };
    return this.checksummed ? { at: 'checksum' } : this.nextFrame();
  }

  private nextFrame(): State {
    this.frameStart = this.offset;
    return { at: 'magic' };
  }
}

/** Little-endian unsigned integer of up to 8 bytes (exact up to 2^53). */
function readLE(bytes: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let k = length - 1; k >= 0; k--) value = value * 256 + (bytes[at + k] ?? 0);
  return value;
}
