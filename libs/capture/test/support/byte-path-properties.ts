import fc from 'fast-check';
import { isComplete } from '@tapes/llm';
import { readFixture } from '@tapes/testing';
import type { Reducer } from '../../src/lib/reducer';
import { byteByByte, contentEnd, reduceChunks, splitAt, withCrlf } from './byte-splits';

/**
 * The byte-path properties every fixture of a reducer must have: how the bytes are chunked and
 * which line endings they use never change the reduction, and a body cut anywhere before its end
 * reduces to a partial result with diagnostics, never an exception.
 */
export function describeBytePathProperties(reducer: Reducer, fixtures: readonly string[], contentTypeOf: (file: string) => string): void {
  describe.each(fixtures)('%s', (file) => {
    const bytes = new Uint8Array(readFixture(file));
    const reduce = (chunks: Iterable<Uint8Array>) => reduceChunks(reducer, contentTypeOf(file), chunks);
    const whole = reduce([bytes]);

    it('reduces alike when split at arbitrary points', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (offsets) => {
          expect(reduce(splitAt(bytes, offsets))).toEqual(whole);
        }),
        { numRuns: 100 },
      );
    });

    it('reduces alike when fed byte by byte', () => {
      expect(reduce(byteByByte(bytes))).toEqual(whole);
    });

    it('reduces alike with CRLF line endings, however split', () => {
      const crlf = withCrlf(bytes);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: crlf.length }), { maxLength: 20 }), (offsets) => {
          expect(reduce(splitAt(crlf, offsets))).toEqual(whole);
        }),
        { numRuns: 50 },
      );
    });

    it('reduces a body cut at any byte to a result with diagnostics, never an exception', () => {
      const end = contentEnd(bytes);
      for (let cut = 0; cut < end; cut++) {
        const response = reduce([bytes.subarray(0, cut)]);
        expect(response.diagnostics.length).toBeGreaterThan(0);
        expect(isComplete(response)).toBe(false);
      }
      // Only trailing whitespace is left to cut: the reduction is the whole one.
      expect(reduce([bytes.subarray(0, end)])).toEqual(whole);
    });
  });
}
