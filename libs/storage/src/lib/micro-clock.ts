import { randomBytes } from 'node:crypto';

/** Microseconds since the Unix epoch. */
export type Micros = bigint;

/**
 * A wall clock with microsecond resolution that never repeats or goes back within the process, so
 * the nodes of one turn get increasing created_at values (root first) and keyset pages are stable.
 * JS Dates only carry milliseconds; the sub-millisecond part comes from performance.now().
 */
export function createMicroClock(): () => Micros {
  let last = 0n;
  return () => {
    const now = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
    last = now > last ? now : last + 1n;
    return last;
  };
}

/** `2026-04-01T12:34:56.123456Z`: fixed width, so text order is time order (SQLite compares text). */
export function formatMicros(micros: Micros): string {
  const ms = micros / 1000n;
  const iso = new Date(Number(ms)).toISOString(); // …HH:MM:SS.mmmZ
  const sub = (micros % 1000n).toString().padStart(3, '0');
  return `${iso.slice(0, 23)}${sub}Z`;
}

/**
 * A time-ordered UUID (RFC 9562 version 7): 48-bit millisecond timestamp, then random bits, so turn
 * ids sort roughly by creation time and index well.
 */
export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16);
  let ts = BigInt(now);
  for (let i = 5; i >= 0; i--) {
    b[i] = Number(ts & 0xffn);
    ts >>= 8n;
  }
  b.writeUInt8((b.readUInt8(6) & 0x0f) | 0x70, 6); // version 7
  b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8); // variant 10
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
