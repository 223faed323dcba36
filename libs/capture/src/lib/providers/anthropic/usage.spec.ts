import { reduceBody } from '../../reducer';
import { AnthropicMessagesReducer } from './reducer';
import { usageFromTokenCounts } from './usage';
import { decodeTokenCounts } from './wire';

const sse = (events: object[]): Buffer => Buffer.from(events.map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join(''));

const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', stop_reason: null, stop_sequence: null };

describe('Anthropic usage', () => {
  it('maps output_tokens_details.thinking_tokens to reasoning_tokens, a part of the completion rather than an addition', () => {
    const counts = decodeTokenCounts({ input_tokens: 10, output_tokens: 300, cache_read_input_tokens: 90, output_tokens_details: { thinking_tokens: 240 } });
    expect(counts && usageFromTokenCounts(counts)).toEqual({ prompt_tokens: 100, completion_tokens: 300, total_tokens: 400, cache_read_input_tokens: 90, reasoning_tokens: 240 });
  });

  it.each([
    ['absent', {}],
    ['not an object', { output_tokens_details: 7 }],
    ['not a number', { output_tokens_details: { thinking_tokens: '5' } }],
    ['zero', { output_tokens_details: { thinking_tokens: 0 } }],
  ])('leaves reasoning_tokens out when the breakdown is %s', (_what, extra) => {
    const counts = decodeTokenCounts({ input_tokens: 1, output_tokens: 2, ...extra });
    expect(counts && usageFromTokenCounts(counts)).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it('keeps thinking tokens from a one-shot response', () => {
    const body = Buffer.from(JSON.stringify({ ...message, content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 50, output_tokens_details: { thinking_tokens: 38 } } }));
    const response = reduceBody(new AnthropicMessagesReducer(), body, { contentType: 'application/json' });
    expect(response.usage).toEqual({ prompt_tokens: 12, completion_tokens: 50, total_tokens: 62, reasoning_tokens: 38 });
  });

  it("keeps thinking tokens from a stream's message_delta, ignoring message_start's placeholder", () => {
    const body = sse([
      { type: 'message_start', message: { ...message, content: [], usage: { input_tokens: 12, output_tokens: 1, output_tokens_details: { thinking_tokens: 0 } } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 50, output_tokens_details: { thinking_tokens: 38 } } },
      { type: 'message_stop' },
    ]);
    const response = reduceBody(new AnthropicMessagesReducer(), body, { contentType: 'text/event-stream' });
    expect(response.usage).toEqual({ prompt_tokens: 12, completion_tokens: 50, total_tokens: 62, reasoning_tokens: 38 });
  });
});
