import fc from 'fast-check';
import { describeBytePathProperties } from '../../../../test/support/byte-path-properties';
import { reduceSplitText, splitText } from '../../../../test/support/byte-splits';
import { isComplete } from '@tapes/llm';
import { listFixtureDir } from '@tapes/testing';
import { OpenAIChatReducer } from './reducer';

/**
 * Properties of the byte path over every Chat Completions fixture (streams and one-shot bodies):
 * how the bytes are chunked and which line endings they use never change the reduction; a body
 * cut anywhere reduces to a partial result with diagnostics, never an exception.
 */
const reducer = new OpenAIChatReducer();

const fixtures = listFixtureDir('openai_chat')
  .filter((name) => name.endsWith('.sse') || name.endsWith('.json'))
  .map((name) => `openai_chat/${name}`);

const contentTypeOf = (file: string): string => (file.endsWith('.sse') ? 'text/event-stream' : 'application/json');

it('finds every fixture it promises to cover', () => {
  expect(fixtures).toEqual(expect.arrayContaining(['openai_chat/text_stream.sse', 'openai_chat/tool_call_oneshot.json', 'openai_chat/truncated_stream.sse']));
  expect(fixtures.length).toBeGreaterThanOrEqual(15);
});

describeBytePathProperties(reducer, fixtures, contentTypeOf);

const chunkEvent = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-P', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('any streamed turn', () => {
  it('reduces to the text it was split into, whatever the split', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, offsets) => {
        const body = [chunkEvent({ role: 'assistant', content: '' }), ...pieces.map((p) => chunkEvent({ content: p })), chunkEvent({}, 'stop'), 'data: [DONE]\n\n'].join('');
        const response = reduceSplitText(reducer, 'text/event-stream', body, offsets);
        expect(response.message.content).toEqual([{ type: 'text', text: pieces.join('') }]);
        expect(isComplete(response)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('reassembles any tool input, whatever fragments its arguments arrive in', () => {
    const input = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue(), { maxKeys: 6 });
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (object, fragmentCuts, offsets) => {
        const args = JSON.stringify(object);
        const fragments = splitText(args, fragmentCuts);
        const body = [
          chunkEvent({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_P', type: 'function', function: { name: 'f', arguments: '' } }] }),
          ...fragments.map((f) => chunkEvent({ tool_calls: [{ index: 0, function: { arguments: f } }] })),
          chunkEvent({}, 'tool_calls'),
          'data: [DONE]\n\n',
        ].join('');
        const response = reduceSplitText(reducer, 'text/event-stream', body, offsets);
        const expected = JSON.parse(args) as Record<string, unknown>;
        expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'call_P', tool_name: 'f', tool_input: expected }]);
        expect(isComplete(response)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
