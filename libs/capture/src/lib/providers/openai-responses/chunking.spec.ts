import fc from 'fast-check';
import { describeBytePathProperties } from '../../../../test/support/byte-path-properties';
import { reduceSplitText, splitText } from '../../../../test/support/byte-splits';
import { listFixtureDir } from '@tapes/testing';
import { OpenAIResponsesReducer } from './reducer';

/**
 * Properties of the byte path over every Responses fixture (ours and the shared recordings,
 * streams and one-shot bodies): how the bytes are chunked and which line endings they use never
 * change the reduction; a body cut anywhere reduces to a partial result with diagnostics, never an
 * exception.
 */
const reducer = new OpenAIResponsesReducer();

/** The recorded fixtures of the shared corpus, beside the ones in this repository's fixtures/. */
const SHARED = ['openai_responses/stream.sse', 'openai_responses/oneshot.json', 'openai_responses/chatgpt_stream.sse'];
const fixtures = [
  ...SHARED,
  ...listFixtureDir('openai_responses')
    .filter((name) => name.endsWith('.sse') || name.endsWith('.json'))
    .map((name) => `openai_responses/${name}`),
];

/** The Codex backend sends its stream without a content type. */
function contentTypeOf(file: string): string {
  if (file.includes('chatgpt')) return '';
  return file.endsWith('.sse') ? 'text/event-stream' : 'application/json';
}

it('finds every fixture it promises to cover', () => {
  expect(fixtures).toEqual(expect.arrayContaining([...SHARED, 'openai_responses/function_call_stream.sse', 'openai_responses/truncated_stream.sse']));
  expect(fixtures.length).toBeGreaterThanOrEqual(13);
});

describeBytePathProperties(reducer, fixtures, contentTypeOf);

const event = (type: string, fields: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;

describe('any streamed turn cut before its terminal event', () => {
  const created = event('response.created', { response: { id: 'resp_P', model: 'm', status: 'in_progress', output: [] } });

  it('is rebuilt from its text deltas, whatever the split', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, offsets) => {
        const body = [
          created,
          event('response.output_item.added', { output_index: 0, item: { id: 'msg_P', type: 'message', role: 'assistant', content: [] } }),
          event('response.content_part.added', { output_index: 0, item_id: 'msg_P', content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
          ...pieces.map((delta) => event('response.output_text.delta', { output_index: 0, item_id: 'msg_P', content_index: 0, delta })),
        ].join('');
        const response = reduceSplitText(reducer, 'text/event-stream', body, offsets);
        expect(response.message.content).toEqual([{ type: 'text', text: pieces.join('') }]);
        expect(response.diagnostics.map((d) => d.code)).toEqual(['incomplete']);
      }),
      { numRuns: 200 },
    );
  });

  it('reassembles any function call input from its argument deltas', () => {
    const input = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue(), { maxKeys: 6 });
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (object, fragmentCuts, offsets) => {
        const args = JSON.stringify(object);
        const body = [
          created,
          event('response.output_item.added', { output_index: 0, item: { id: 'fc_P', type: 'function_call', call_id: 'call_P', name: 'f', arguments: '' } }),
          ...splitText(args, fragmentCuts).map((delta) => event('response.function_call_arguments.delta', { output_index: 0, item_id: 'fc_P', delta })),
        ].join('');
        const response = reduceSplitText(reducer, 'text/event-stream', body, offsets);
        expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'call_P', tool_name: 'f', tool_input: JSON.parse(args) }]);
        expect(response.diagnostics.map((d) => d.code)).toEqual(['incomplete']);
      }),
      { numRuns: 200 },
    );
  });
});
