import { randomBytes } from 'node:crypto';

/** Microseconds since the Unix epoch. */
export type Micros = bigint;

/**
 * A wall clock with microsecond resolution that never repeats or goes back within the process, so
 * the nodes of one turn get increasing created_at values (root first) and keyset pages are stable.
 * JS Dates only carry milliseconds; the sub-millisecond part comes from performance.now(). The
 * milliseconds are read from Date.now() on every call rather than from performance.timeOrigin plus
 * the monotonic clock: that sum drifts from the wall clock whenever the system clock is stepped or
 * slewed while the process runs (a long-lived proxy would stamp turns off by that much).
 */
export function createMicroClock(): () => Micros {
  let last = 0n;
  return () => {
    const subMillis = Math.floor((performance.now() % 1) * 1000);
    const now = BigInt(Date.now()) * 1000n + BigInt(subMillis);
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

/** uuidv7's last millisecond and counter (process-wide: one order for every store in the process). */
const last = { ms: -1, counter: 0 };

/**
 * A time-ordered UUID (RFC 9562 version 7): 48-bit millisecond timestamp, then a 12-bit counter in
 * `rand_a` (RFC 9562 §6.2, method 1), then random bits. Without `now`, ids this process makes are
 * strictly increasing — also several in one millisecond, and if the clock steps back — so turn ids
 * sort in the order turns were stored (listTurnIds, `tapes rederive`'s checkpoint). The counter
 * starts at a random value in its lower half each millisecond; past its top the timestamp moves on
 * by one. With `now`, the id carries exactly that time (no ordering state).
 */
export function uuidv7(now?: number): string {
  const b = randomBytes(16);
  let ms: number;
  let counter: number;
  if (now !== undefined) {
    ms = now;
    counter = b.readUInt16BE(6) & 0xfff;
  } else {
    const wall = Date.now();
    if (wall > last.ms) {
      last.ms = wall;
      last.counter = b.readUInt16BE(6) & 0x7ff;
    } else if (++last.counter > 0xfff) {
      last.ms += 1;
      last.counter = 0;
    }
    ms = last.ms;
    counter = last.counter;
  }
  let ts = BigInt(ms);
  for (let i = 5; i >= 0; i--) {
    b[i] = Number(ts & 0xffn);
    ts >>= 8n;
  }
  b.writeUInt16BE(0x7000 | counter, 6); // version 7, then the counter
  b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8); // variant 10
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
