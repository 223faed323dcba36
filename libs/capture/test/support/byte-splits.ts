import type { ChatResponse } from '@tapes/llm';
import type { Reducer } from '../../src/lib/reducer';

/**
 * Ways to deliver the same bytes differently, shared by every reducer's chunking properties: the
 * network may split a body anywhere (inside a UTF-8 sequence too), and servers differ in line
 * endings — none of which may change a reduction.
 */

export const LF = 0x0a;
export const CR = 0x0d;

/** Feeds `chunks` to a fresh reduction of `reducer` and finishes it. */
export function reduceChunks(reducer: Reducer, contentType: string, chunks: Iterable<Uint8Array>): ChatResponse {
  const reduction = reducer.start({ contentType });
  for (const chunk of chunks) reduction.push(chunk);
  return reduction.finish();
}

/** `bytes` split at the given offsets (any order, duplicates allowed, possibly inside a UTF-8 sequence). */
export function splitAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const cuts = [...new Set(offsets)].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

export function* byteByByte(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

/** Every LF replaced by `ending` (e.g. `[CR, LF]` or `[CR]`). */
export function replaceLineFeeds(bytes: Uint8Array, ending: readonly number[]): Uint8Array {
  const out: number[] = [];
  for (const byte of bytes) {
    if (byte === LF) out.push(...ending);
    else out.push(byte);
  }
  return Uint8Array.from(out);
}

export function withCrlf(bytes: Uint8Array): Uint8Array {
  return replaceLineFeeds(bytes, [CR, LF]);
}

/** Offset just past the last byte that is not whitespace: cutting earlier removes content. */
export function contentEnd(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && [LF, CR, 0x20, 0x09].includes(bytes[end - 1]!)) end--;
  return end;
}

/** Reduces `body` (UTF-8) split at offsets taken modulo its length. */
export function reduceSplitText(reducer: Reducer, contentType: string, body: string, rawOffsets: number[]): ChatResponse {
  const bytes = new TextEncoder().encode(body);
  return reduceChunks(reducer, contentType, splitAt(bytes, rawOffsets.map((n) => n % (bytes.length + 1))));
}

/** `text` cut into fragments at the given code-point offsets (taken modulo its length). */
export function splitText(text: string, cuts: number[]): string[] {
  const points = Array.from(text);
  const offsets = [...new Set(cuts.map((n) => n % (points.length + 1)))].sort((a, b) => a - b);
  const fragments: string[] = [];
  let from = 0;
  for (const cut of [...offsets, points.length]) {
    fragments.push(points.slice(from, cut).join(''));
    from = cut;
  }
  return fragments;
}
