import fc from 'fast-check';
import { CR, LF, byteByByte, reduceChunks, replaceLineFeeds, splitAt } from '../../../../test/support/byte-splits';
import { isComplete } from '@tapes/llm';
import { listFixtureDir, readFixture } from '@tapes/testing';
import { AnthropicMessagesReducer } from './reducer';

/**
 * Properties of the byte path over every Anthropic SSE fixture: how the bytes are chunked, and
 * which line endings they use, never changes the reduction; a stream cut anywhere reduces to a
 * partial result with diagnostics, never an exception.
 */
const reducer = new AnthropicMessagesReducer();
const CONTENT_TYPE = 'text/event-stream';

const sseFixtures = ['anthropic', 'anthropic/canonical_equivalence', 'anthropic_extra'].flatMap((dir) =>
  listFixtureDir(dir)
    .filter((name) => name.endsWith('.sse'))
    .map((name) => `${dir}/${name}`),
);

it('finds the SSE fixtures it promises to cover', () => {
  expect(sseFixtures).toEqual(
    expect.arrayContaining([
      'anthropic/messages_stream.sse',
      'anthropic/messages_truncated_stream.sse',
      'anthropic/canonical_equivalence/turn_04_server_tool_stream.sse',
      'anthropic_extra/claude_code_turn.sse',
    ]),
  );
});

describe.each(sseFixtures)('%s', (file) => {
  const bytes = new Uint8Array(readFixture(file));
  const whole = reduceChunks(reducer, CONTENT_TYPE, [bytes]);
  // Offsets inside multi-byte characters are rare among random ones, so they are drawn on purpose.
  const insideUtf8 = [...bytes.keys()].filter((i) => (bytes[i]! & 0xc0) === 0x80);
  const offset = insideUtf8.length > 0 ? fc.oneof(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom(...insideUtf8)) : fc.integer({ min: 0, max: bytes.length });

  it('reduces alike when split at arbitrary points, including inside UTF-8 sequences', () => {
    fc.assert(
      fc.property(fc.array(offset, { maxLength: 40 }), (offsets) => {
        expect(reduceChunks(reducer, CONTENT_TYPE, splitAt(bytes, offsets))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('reduces alike when fed byte by byte', () => {
    expect(reduceChunks(reducer, CONTENT_TYPE, byteByByte(bytes))).toEqual(whole);
  });

  it.each([
    ['CRLF', [CR, LF]],
    ['CR', [CR]],
  ])('reduces alike with %s line endings, however split', (_name, ending) => {
    const converted = replaceLineFeeds(bytes, ending);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: converted.length }), { maxLength: 20 }), (offsets) => {
        expect(reduceChunks(reducer, CONTENT_TYPE, splitAt(converted, offsets))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('reduces a stream cut at any byte to a result with diagnostics, or a complete one after message_stop', () => {
    const text = Buffer.from(bytes).toString('latin1');
    const marker = text.lastIndexOf('{"type":"message_stop"}');
    const completeFrom = isComplete(whole) && marker >= 0 ? marker + '{"type":"message_stop"}'.length : Infinity;
    for (let cut = 0; cut <= bytes.length; cut++) {
      const response = reduceChunks(reducer, CONTENT_TYPE, [bytes.subarray(0, cut)]);
      if (cut >= completeFrom) expect(isComplete(response)).toBe(true);
      else expect(response.diagnostics.length).toBeGreaterThan(0);
    }
  });
});

describe('any streamed text', () => {
  it('reduces to the text it was split into, whatever the split', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, rawOffsets) => {
        const frames = [
          `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","role":"assistant","content":[]}}\n\n`,
          `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
          ...pieces.map((piece) => `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } })}\n\n`),
          `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
          `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
        ];
        const body = new TextEncoder().encode(frames.join(''));
        const response = reduceChunks(reducer, CONTENT_TYPE, 
          splitAt(
            body,
            rawOffsets.map((n) => n % (body.length + 1)),
          ),
        );
        const expected = pieces.join('');
        expect(response.message.content).toEqual([expected ? { type: 'text', text: expected } : { type: 'text' }]);
        expect(isComplete(response)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
