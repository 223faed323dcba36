import { ownBytes } from './own-bytes';

describe('ownBytes', () => {
  it('copies a small view out of a large buffer so the large buffer can be freed', () => {
    const frame = new ArrayBuffer(64 * 1024);
    const view = Buffer.from(frame, 100, 8);
    const owned = ownBytes(view);
    expect(owned.buffer).not.toBe(frame);
    expect(owned.equals(view)).toBe(true);
  });

  it('keeps a chunk that fills most of its buffer without copying', () => {
    const frame = new ArrayBuffer(1000);
    const view = Buffer.from(frame, 0, 900);
    expect(ownBytes(view).buffer).toBe(frame);
  });
});
