import { gzipSync } from 'node:zlib';
import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';
import { brotliCompressSync, constants } from 'node:zlib';
import { capturedTurn, createDefaultReducers, decodeChunks, DecodeMemoryExhaustedError, toTurnRecord, type DecodeBudget } from '../src/index';
import { codecMemory } from '../src/lib/encoding/codec-memory';

/** A counting budget (the shape of libs/delivery's ByteBudget). */
class Budget implements DecodeBudget {
  used = 0;
  peak = 0;
  constructor(readonly capacity: number) {}
  tryAcquire(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    this.peak = Math.max(this.peak, this.used);
    return true;
  }
  release(bytes: number): void {
    this.used -= bytes;
  }
}

const MiB = 1024 * 1024;
/** 64 MiB of SSE-looking text, gzipped to ~160 KB. */
const BOMB = gzipSync(Buffer.alloc(64 * MiB, 'data: {"type":"ping"}\n\n'), { level: 9 });
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const stream = readFixture(fixture.responseFile);

function turnWith(responseBody: Buffer, encoding: string | undefined) {
  return capturedTurn({
    requestId: `budget-${Math.random()}`,
    site: 'ingest',
    provider: 'anthropic',
    api: 'anthropic.messages',
    method: 'POST',
    path: fixture.path,
    status: 200,
    requestHeaders: { 'content-type': 'application/json' },
    responseHeaders: { 'content-type': 'text/event-stream', ...(encoding ? { 'content-encoding': encoding } : {}) },
    requestBody: Buffer.from(JSON.stringify(fixture.request)),
    responseBody,
    startedAt: new Date(),
    endedAt: new Date(),
  });
}

describe('decoded bytes count against one budget as they are produced (#12)', () => {
  it('stops a bomb at its own cap, within the budget, and gives every byte back', async () => {
    const budget = new Budget(32 * MiB);
    const decoded = await decodeChunks(BOMB, 'gzip', { maxDecodedBytes: 8 * MiB, budget });
    expect(decoded.result).toMatchObject({ outcome: 'error', errorClass: 'oversize' });
    expect(decoded.chunks).toEqual([]);
    // Its cap, and gzip's own state (256 KiB).
    expect(budget.peak).toBeLessThanOrEqual(8 * MiB + 256 * 1024);
    expect(budget.used).toBe(0);
  });

  it('refuses a decode the spent budget cannot hold, holding nothing (a transient refusal, not a verdict on the body)', async () => {
    const budget = new Budget(4 * MiB);
    await expect(decodeChunks(BOMB, 'gzip', { maxDecodedBytes: 48 * MiB, budget })).rejects.toBeInstanceOf(DecodeMemoryExhaustedError);
    expect(budget.used).toBe(0);
  });

  it('admits concurrent decodes while their reservations fit and turns the rest away before any work: together they never hold more than it', async () => {
    const budget = new Budget(20 * MiB);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => decodeChunks(BOMB, 'gzip', { maxDecodedBytes: 8 * MiB, budget })));
    expect(budget.peak).toBeLessThanOrEqual(20 * MiB);
    // Each reserves its cap (64× its 160 KB is past 8 MiB): two fit, and run to their cap.
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof decodeChunks>>>).value.result.errorClass)).toEqual(['oversize', 'oversize']);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof DecodeMemoryExhaustedError)).toHaveLength(4);
    expect(budget.used).toBe(0);
  });

  it('lets a decode grow past its reservation while there is room, and stops it as oversize where there is none — never a livelock of half-done decodes', async () => {
    const budget = new Budget(24 * MiB);
    // Reservations of 64 × ~160 KB ≈ 10 MiB each: both are admitted, then both need more than is left.
    const both = await Promise.all([0, 1].map(() => decodeChunks(BOMB, 'gzip', { maxDecodedBytes: 48 * MiB, budget })));
    for (const decoded of both) {
      expect(decoded.result).toMatchObject({ outcome: 'error', errorClass: 'oversize' });
      expect(decoded.result.message).toMatch(/decode memory/);
    }
    expect(budget.peak).toBeLessThanOrEqual(24 * MiB);
    expect(budget.used).toBe(0);
  });

  it('keeps a decoded body counted until released', async () => {
    const budget = new Budget(8 * MiB);
    const decoded = await decodeChunks(gzipSync(stream), 'gzip', { budget });
    expect(decoded.result.outcome).toBe('decoded');
    // Its reservation (at least 256 KiB, and the codec's own memory) covers the small body; it is held until released.
    expect(budget.used).toBeGreaterThanOrEqual(stream.length);
    expect(Buffer.concat(decoded.chunks).equals(stream)).toBe(true);
    decoded.release();
    expect(budget.used).toBe(0);
  });

  it('toTurnRecord: a bomb is stored unreduced (decode_error, oversize) and a normal gzip turn reduced, the budget back at 0; a spent budget throws', async () => {
    const reducers = createDefaultReducers();
    const budget = new Budget(16 * MiB);
    const bomb = (await toTurnRecord(turnWith(BOMB, 'gzip'), { reducers, maxDecodedBytes: 8 * MiB, decodeBudget: budget })).record;
    expect(bomb.outcome).toBe('unreduced');
    expect(bomb.diagnostics?.find((d) => d.code === 'decode_error')?.detail).toMatch(/oversize/);
    const normal = (await toTurnRecord(turnWith(gzipSync(stream), 'gzip'), { reducers, decodeBudget: budget })).record;
    expect(normal.outcome).toBe('complete');
    expect(budget.used).toBe(0);
    await expect(toTurnRecord(turnWith(BOMB, 'gzip'), { reducers, maxDecodedBytes: 48 * MiB, decodeBudget: new Budget(MiB) })).rejects.toBeInstanceOf(DecodeMemoryExhaustedError);
  });
});

describe('what a codec allocates on its own counts too (#12)', () => {
  it('reads a brotli stream\'s window from its header (WBITS): 4 MiB at quality 5, 64 KiB at lgwin 16', () => {
    const q5 = brotliCompressSync(Buffer.alloc(100_000, 'x'), { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    expect(codecMemory('br', q5)).toBe(4 * MiB - 16 + 256 * 1024);
    const small = brotliCompressSync(Buffer.alloc(100_000, 'x'), { params: { [constants.BROTLI_PARAM_LGWIN]: 16 } });
    expect(codecMemory('br', small)).toBe(64 * 1024 - 16 + 256 * 1024);
  });

  it('reads a zstd frame\'s window descriptor, or a single-segment frame\'s content size', () => {
    expect(codecMemory('zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]))).toBe(128 * 1024); // windowLog 17
    expect(codecMemory('zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05]))).toBe(5); // single segment, 1-byte content size
    expect(codecMemory('zstd', Buffer.from('not zstd'))).toBe(32 * MiB); // unreadable: the most the guard allows
  });

  it('counts gzip and deflate state per layer, and the most a format allows for inner layers', () => {
    expect(codecMemory('gzip', Buffer.alloc(10))).toBe(256 * 1024);
    expect(codecMemory('br, gzip', gzipSync(Buffer.from('x')))).toBe(256 * 1024 + 16 * MiB + 256 * 1024);
    expect(codecMemory(undefined, Buffer.alloc(10))).toBe(0);
  });
});
