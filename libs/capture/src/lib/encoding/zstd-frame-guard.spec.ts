import { ZSTD_MAX_WINDOW_BYTES, ZstdFrameGuard } from './zstd-frame-guard';

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** A raw last block carrying "hello": header 0x29 0x00 0x00 (last, raw, size 5). */
const HELLO_BLOCK = [0x29, 0x00, 0x00, ...Buffer.from('hello')];
/** Descriptor 0x00 (windowed, no checksum, no dictionary), window descriptor 0x58 (windowLog 21). */
const HELLO_FRAME = [...MAGIC, 0x00, 0x58, ...HELLO_BLOCK];

function scanAll(bytes: number[], chunk = bytes.length): { guard: ZstdFrameGuard; refusal: string | undefined } {
  const guard = new ZstdFrameGuard();
  for (let at = 0; at < bytes.length; at += chunk) {
    const refusal = guard.scan(Uint8Array.from(bytes.slice(at, at + chunk)));
    if (refusal) return { guard, refusal };
  }
  return { guard, refusal: undefined };
}

describe('ZstdFrameGuard', () => {
  it.each([1, 2, 5, 64])('is at a frame boundary only after whole frames, fed %i byte(s) at a time', (chunk) => {
    const { guard, refusal } = scanAll([...HELLO_FRAME, ...HELLO_FRAME], chunk);
    expect(refusal).toBeUndefined();
    expect(guard.atFrameBoundary).toBe(true);
  });

  it.each([1, 4, 5, 6, 9, 13])('knows a stream cut after %i byte(s) is mid-frame', (keep) => {
    const { guard, refusal } = scanAll(HELLO_FRAME.slice(0, keep));
    expect(refusal).toBeUndefined();
    expect(guard.atFrameBoundary).toBe(false);
    expect(guard.describePosition()).toContain(`byte ${keep}`);
  });

  it.each([
    { keep: 2, unchecked: 2 },
    { keep: 5, unchecked: 5 },
    { keep: 6, unchecked: 0 },
    { keep: 14, unchecked: 0 },
    { keep: 17, unchecked: 3 },
    { keep: 20, unchecked: 0 },
  ])('counts $unchecked unchecked header bytes after $keep bytes', ({ keep, unchecked }) => {
    expect(scanAll([...HELLO_FRAME, ...HELLO_FRAME].slice(0, keep), 1).guard.uncheckedHeaderBytes).toBe(unchecked);
  });

  it('skips skippable frames and steps over a content checksum', () => {
    const skippable = [0x5a, 0x2a, 0x4d, 0x18, 0x03, 0x00, 0x00, 0x00, 0xaa, 0xbb, 0xcc];
    const checksummed = [...MAGIC, 0x04, 0x58, ...HELLO_BLOCK, 0x01, 0x02, 0x03, 0x04];
    const { guard, refusal } = scanAll([...skippable, ...checksummed], 3);
    expect(refusal).toBeUndefined();
    expect(guard.atFrameBoundary).toBe(true);
  });

  it('takes an RLE block as one byte on the wire whatever it expands to', () => {
    // last, RLE, size 131072: (131072 << 3) | (1 << 1) | 1 = 0x100003
    const { guard, refusal } = scanAll([...MAGIC, 0x00, 0x38, 0x03, 0x00, 0x10, 0x61]);
    expect(refusal).toBeUndefined();
    expect(guard.atFrameBoundary).toBe(true);
  });

  it.each([
    { name: 'a foreign magic', bytes: [...Buffer.from('not zstd')], refusal: /not a zstd frame at byte 0/ },
    { name: 'bytes after a whole frame', bytes: [...HELLO_FRAME, 0x00, 0x00, 0x00, 0x00], refusal: /not a zstd frame at byte 14/ },
    { name: 'the reserved descriptor bit', bytes: [...MAGIC, 0x08], refusal: /reserved bit/ },
    { name: 'a window of 2^25 plus one eighth', bytes: [...MAGIC, 0x00, 0x79], refusal: /window of 37748736 bytes/ },
    { name: 'a window of 2^27', bytes: [...MAGIC, 0x00, 0x88], refusal: /over the decoder's bound of 33554432/ },
    // single segment, 4-byte content size 0x02000001 = 2^25 + 1: the window is the content size
    { name: 'a single-segment frame larger than the bound', bytes: [...MAGIC, 0xa0, 0x01, 0x00, 0x00, 0x02], refusal: /window of 33554433 bytes/ },
    { name: 'a dictionary id', bytes: [...MAGIC, 0x01, 0x58, 0x07], refusal: /needs dictionary 7/ },
    { name: 'the reserved block type', bytes: [...MAGIC, 0x00, 0x58, 0x07, 0x00, 0x00], refusal: /reserved zstd block type/ },
    // windowLog 10: blocks may not exceed 1 KiB; header for a raw block of 2048 bytes
    { name: 'a block larger than the window', bytes: [...MAGIC, 0x00, 0x00, 0x00, 0x40, 0x00], refusal: /2048 bytes exceeds the 1024-byte maximum/ },
  ])('refuses $name', ({ bytes, refusal }) => {
    expect(scanAll(bytes).refusal).toMatch(refusal);
  });

  it('accepts a window of exactly 2^25 bytes', () => {
    expect(ZSTD_MAX_WINDOW_BYTES).toBe(33554432);
    expect(scanAll([...MAGIC, 0x00, 0x78, ...HELLO_BLOCK]).refusal).toBeUndefined();
  });
});
