/**
 * Byte streams cut at arbitrary boundaries, as a network or a proxy delivers them: tests feed the
 * same bytes in different cuts and expect the same result.
 */

/** Splits `bytes` at the given offsets (sorted, deduplicated, clamped): chunk boundaries anywhere, empty chunks included. */
export function splitAt(bytes: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => Math.max(0, Math.min(bytes.length, o))))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    parts.push(bytes.subarray(start, cut));
    start = cut;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

/** Chunks of at most `size` bytes; one empty chunk for no bytes. */
export function chunks(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return parts.length > 0 ? parts : [Buffer.alloc(0)];
}

/** `bytes` in about `count` pieces of about equal size; none for no bytes. */
export function pieces(bytes: Buffer, count: number): Buffer[] {
  if (bytes.length === 0) return [];
  const size = Math.max(1, Math.ceil(bytes.length / count));
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}
