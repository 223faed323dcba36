import fc from 'fast-check';
import { describeBytePathProperties } from '../../../../test/support/byte-path-properties';
import { reduceSplitText, splitText } from '../../../../test/support/byte-splits';
import { isComplete } from '@tapes/llm';
import { GEMINI_FIXTURES, listFixtureDir } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { GeminiGenerateContentReducer } from './reducer';

/**
 * Properties of the byte path over every Gemini fixture (SSE streams, one-shot bodies, the JSON
 * array form): how the bytes are chunked and which line endings they use never change the
 * reduction; a body cut anywhere reduces to a partial result with diagnostics, never an exception.
 * And, since Gemini's chunks carry no part indexes, the part fold itself: however a turn's text is
 * spread over chunks, and on whichever of its chunks the signature rides, it reduces as its one-shot form.
 */
const reducer = new GeminiGenerateContentReducer();

const fixtures = listFixtureDir('gemini')
  .filter((name) => name.endsWith('.sse') || name.endsWith('.json'))
  .map((name) => `gemini/${name}`);

const contentTypeOf = (file: string): string => (file.endsWith('.sse') ? 'text/event-stream' : 'application/json; charset=UTF-8');

it('finds every fixture it promises to cover, and the catalog lists each one', () => {
  expect(fixtures).toEqual(
    expect.arrayContaining(['gemini/text_stream.sse', 'gemini/text_array_stream.json', 'gemini/thinking_stream.sse', 'gemini/truncated_stream.sse', 'gemini/error_body.json']),
  );
  expect(fixtures.length).toBeGreaterThanOrEqual(12);
  expect(GEMINI_FIXTURES.map((f) => f.responseFile).sort()).toEqual(fixtures);
});

describeBytePathProperties(reducer, fixtures, contentTypeOf);

const SIGNATURE = 'CiQBFIXTUREc2lnbmF0dXJl';

const sseChunk = (parts: unknown[], finishReason?: string): string =>
  `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, ...(finishReason ? { finishReason } : {}) }], modelVersion: 'gemini-2.5-flash' })}\r\n\r\n`;

const oneShot = (parts: unknown[]) =>
  reduceBody(reducer, JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }], modelVersion: 'gemini-2.5-flash' }), { contentType: 'application/json' });

describe('any streamed turn', () => {
  const text = fc.string({ unit: 'grapheme', minLength: 1 });

  it('reduces to its one-shot form, however its thinking and text are spread over chunks and wherever the signature rides', () => {
    fc.assert(
      fc.property(text, text, fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), fc.array(fc.nat(), { maxLength: 10 }), (thought, answer, thoughtCuts, answerCuts, signatureAt, offsets) => {
        const thoughtParts = splitText(thought, thoughtCuts).map((piece) => ({ text: piece, thought: true }));
        const answerParts: Record<string, unknown>[] = splitText(answer, answerCuts).map((piece) => ({ text: piece }));
        // The signature rides on one of the answer's chunks, or on an empty part after them (as Gemini streams it).
        const at = signatureAt % (answerParts.length + 1);
        if (at === answerParts.length) answerParts.push({ text: '', thoughtSignature: SIGNATURE });
        else answerParts[at] = { ...answerParts[at], thoughtSignature: SIGNATURE };
        const chunks = [...thoughtParts, ...answerParts].map((part, i, all) => sseChunk([part], i === all.length - 1 ? 'STOP' : undefined));
        const streamed = reduceSplitText(reducer, 'text/event-stream', chunks.join(''), offsets);
        const expected = oneShot([
          { text: thought, thought: true },
          { text: answer, thoughtSignature: SIGNATURE },
        ]);
        expect(streamed.message).toEqual(expected.message);
        expect(isComplete(streamed)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every function call its own block, the signature on the call that carried it', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue(), { maxKeys: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(), (argsList, signed) => {
        const at = signed % argsList.length;
        const parts = argsList.map((args, i) => ({ functionCall: { name: `f${i}`, args }, ...(i === at ? { thoughtSignature: SIGNATURE } : {}) }));
        const body = parts.map((part, i) => sseChunk([part], i === parts.length - 1 ? 'STOP' : undefined)).join('');
        const streamed = reduceSplitText(reducer, 'text/event-stream', body, []);
        expect(streamed.message).toEqual(oneShot(parts).message);
        expect(streamed.message.content.map((b) => b.thinking_signature)).toEqual(parts.map((_p, i) => (i === at ? SIGNATURE : undefined)));
      }),
      { numRuns: 100 },
    );
  });
});
