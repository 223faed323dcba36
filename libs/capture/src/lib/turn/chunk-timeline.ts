/**
 * When each piece of a response arrived (#16: `tapes replay --timing recorded`): one mark per
 * response body chunk as the capture site received it, `[byte offset of the chunk's first byte in
 * the response body as received (still content-encoded), milliseconds since the exchange started]`.
 * Offsets strictly increase, times never decrease; the first mark's offset is 0.
 *
 * A long stream has thousands of chunks; the timeline keeps at most {@link MAX_CHUNK_MARKS} marks by
 * merging neighbours that arrived close together (see {@link ChunkTimeline}), so what a replay
 * reproduces is the shape that matters: the pauses.
 */
export type ChunkMark = readonly [offset: number, atMs: number];

/** Most marks one turn keeps (JSON of that many pairs is ~15 KB at most). */
export const MAX_CHUNK_MARKS = 1024;

/**
 * Records a response's chunk boundaries and arrival times on the forwarding path: `add` is O(1)
 * amortised and never throws. When the marks reach the cap they are compacted to at most half the
 * cap by merging each mark into the previous kept one when it arrived less than `g` ms after it,
 * with `g` doubling (1, 2, 4 … ms) until few enough are left. Kept marks are then at least `g` ms
 * apart (about the stream's duration over half the cap): a merged chunk's bytes count as arriving
 * with the earlier chunk, so a replay sends them at most `g` ms early, and every pause of `g` ms or
 * more (a model thinking, a tool running upstream) still starts a chunk of its own.
 */
export class ChunkTimeline {
  private marks: [number, number][] = [];
  private bytes = 0;
  private lastMs = 0;

  constructor(private readonly cap: number = MAX_CHUNK_MARKS) {
    if (!Number.isInteger(cap) || cap < 2) throw new Error(`a chunk timeline keeps at least 2 marks (got ${cap})`);
  }

  /** A chunk of `byteLength` bytes arrived `atMs` after the exchange started. */
  add(byteLength: number, atMs: number): void {
    if (!(byteLength > 0)) return;
    // A wall clock can step back; the timeline never does.
    const at = Math.max(this.lastMs, Number.isFinite(atMs) ? Math.round(atMs) : this.lastMs);
    this.lastMs = at;
    this.marks.push([this.bytes, at]);
    this.bytes += byteLength;
    if (this.marks.length > this.cap) this.compact();
  }

  /** The marks so far (a copy). */
  toMarks(): ChunkMark[] {
    return this.marks.map(([offset, at]) => [offset, at] as const);
  }

  private compact(): void {
    const target = Math.floor(this.cap / 2);
    for (let gap = 1; this.marks.length > target; gap *= 2) this.marks = mergeCloserThan(this.marks, gap);
  }
}

function mergeCloserThan(marks: [number, number][], gapMs: number): [number, number][] {
  const kept: [number, number][] = [];
  for (const mark of marks) {
    const last = kept[kept.length - 1];
    if (last && mark[1] - last[1] < gapMs) continue;
    kept.push(mark);
  }
  return kept;
}

/**
 * The marks that describe `bodyLength` bytes: a timeline from a client (an ingest post) may be
 * malformed or name bytes the body does not have; what cannot describe this body is dropped, never
 * the turn. Returns undefined when nothing usable is left.
 */
export function usableChunkMarks(marks: readonly (readonly number[])[] | undefined, bodyLength: number): ChunkMark[] | undefined {
  if (!marks || marks.length === 0) return undefined;
  const out: ChunkMark[] = [];
  let lastOffset = -1;
  let lastMs = 0;
  for (const mark of marks.slice(0, MAX_CHUNK_MARKS)) {
    const [offset, at] = mark;
    if (!Number.isInteger(offset) || typeof at !== 'number' || !Number.isFinite(at) || at < 0) continue;
    if ((offset as number) <= lastOffset || (offset as number) >= bodyLength) continue;
    if (out.length === 0 && offset !== 0) out.push([0, Math.round(at)]);
    lastMs = Math.max(lastMs, Math.round(at));
    out.push([offset as number, lastMs]);
    lastOffset = offset as number;
  }
  return out.length > 0 ? out : undefined;
}
