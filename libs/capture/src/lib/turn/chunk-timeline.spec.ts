import fc from 'fast-check';
import { ChunkTimeline, MAX_CHUNK_MARKS, usableChunkMarks } from './chunk-timeline';

describe('ChunkTimeline (#16: chunk boundaries and arrival times for replay)', () => {
  it('marks each chunk at its first byte, in milliseconds since the start', () => {
    const timeline = new ChunkTimeline();
    timeline.add(10, 300.4);
    timeline.add(0, 301); // an empty chunk is no boundary
    timeline.add(5, 305.6);
    timeline.add(7, 900);
    expect(timeline.toMarks()).toEqual([
      [0, 300],
      [10, 306],
      [15, 900],
    ]);
  });

  it('never lets time run backwards when the wall clock steps back', () => {
    const timeline = new ChunkTimeline();
    timeline.add(1, 50);
    timeline.add(1, 40);
    timeline.add(1, Number.NaN);
    expect(timeline.toMarks()).toEqual([
      [0, 50],
      [1, 50],
      [2, 50],
    ]);
  });

  it('keeps at most the cap by merging chunks that arrived close together, and keeps the long pauses', () => {
    const timeline = new ChunkTimeline(64);
    let at = 0;
    const pauses: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      // A chunk every 1–3 ms (~4 s of streaming), and a 600 ms pause before chunks 500, 1000 and 1500.
      at += i > 0 && i % 500 === 0 ? 600 : 1 + (i % 3);
      if (i > 0 && i % 500 === 0) pauses.push(at);
      timeline.add(100, at);
    }
    const marks = timeline.toMarks();
    expect(marks.length).toBeLessThanOrEqual(64);
    expect(marks.length).toBeGreaterThan(3);
    expect(marks[0]).toEqual([0, 1]);
    // Each pause still starts a chunk: the bytes after it are not replayed before it.
    for (const [n, pause] of pauses.entries()) expect(marks).toContainEqual([(n + 1) * 500 * 100, pause]);
  });

  it('stays a valid timeline whatever arrives (offsets increase from 0, times never decrease, within the cap)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5_000), fc.double({ min: -10, max: 1e6, noNaN: false })), { maxLength: 3_000 }), fc.integer({ min: 2, max: 200 }), (chunks, cap) => {
        const timeline = new ChunkTimeline(cap);
        let total = 0;
        for (const [bytes, at] of chunks) {
          timeline.add(bytes, at);
          total += bytes;
        }
        const marks = timeline.toMarks();
        expect(marks.length).toBeLessThanOrEqual(cap);
        if (total > 0) expect(marks[0]?.[0]).toBe(0);
        for (let i = 1; i < marks.length; i++) {
          expect(marks[i]![0]).toBeGreaterThan(marks[i - 1]![0]);
          expect(marks[i]![1]).toBeGreaterThanOrEqual(marks[i - 1]![1]);
          expect(marks[i]![0]).toBeLessThan(total);
        }
      }),
    );
  });

  it('refuses a cap that cannot hold a timeline', () => {
    expect(() => new ChunkTimeline(1)).toThrow(/at least 2/);
  });
});

describe('usableChunkMarks (a timeline from a client)', () => {
  it.each([
    { name: 'absent', marks: undefined, length: 10, expected: undefined },
    { name: 'empty', marks: [], length: 10, expected: undefined },
    { name: 'well formed', marks: [[0, 5], [4, 9]], length: 10, expected: [[0, 5], [4, 9]] },
    { name: 'naming bytes the body does not have', marks: [[0, 5], [4, 9], [10, 12]], length: 10, expected: [[0, 5], [4, 9]] },
    { name: 'out of order', marks: [[0, 5], [6, 9], [4, 10]], length: 10, expected: [[0, 5], [6, 9]] },
    { name: 'with negative or fractional values', marks: [[0, -1], [0.5, 3], [2, 4.4]], length: 10, expected: [[0, 4], [2, 4]] },
    { name: 'with time running backwards', marks: [[0, 50], [3, 20]], length: 10, expected: [[0, 50], [3, 50]] },
    { name: 'for an empty body', marks: [[0, 5]], length: 0, expected: undefined },
  ])('keeps what describes the body: $name', ({ marks, length, expected }) => {
    expect(usableChunkMarks(marks, length)).toEqual(expected);
  });

  it('keeps no more than the cap', () => {
    const marks = Array.from({ length: MAX_CHUNK_MARKS + 10 }, (_, i) => [i, i]);
    expect(usableChunkMarks(marks, 1e9)).toHaveLength(MAX_CHUNK_MARKS);
  });
});
