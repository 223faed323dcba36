import type { ChatResponse } from '@tapes/llm';
import { reduceBody } from '../../reducer';
import { AnthropicMessagesReducer } from './reducer';

/** The stream state machine (ref §4.2 "and beyond"), driven through the reducer with inline streams. */
const reducer = new AnthropicMessagesReducer();

type Frame = [event: string | undefined, data: unknown];

/** SSE text for frames; `data` strings are sent verbatim, anything else as JSON. */
function sse(frames: Frame[]): string {
  return frames
    .map(([event, data]) => `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
    .join('');
}

const start = (message: Record<string, unknown> = {}): Frame => [
  'message_start',
  { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], ...message } },
];
const blockStart = (index: number, block: Record<string, unknown>): Frame => ['content_block_start', { type: 'content_block_start', index, content_block: block }];
const delta = (index: number, d: Record<string, unknown>): Frame => ['content_block_delta', { type: 'content_block_delta', index, delta: d }];
const text = (index: number, t: string): Frame => delta(index, { type: 'text_delta', text: t });
const json = (index: number, partial: string): Frame => delta(index, { type: 'input_json_delta', partial_json: partial });
const blockStop = (index: number): Frame => ['content_block_stop', { type: 'content_block_stop', index }];
const messageDelta = (d: Record<string, unknown>, usage?: Record<string, unknown>): Frame => [
  'message_delta',
  { type: 'message_delta', delta: d, ...(usage ? { usage } : {}) },
];
const stop: Frame = ['message_stop', { type: 'message_stop' }];

function reduce(frames: Frame[]): ChatResponse {
  return reduceBody(reducer, sse(frames), { contentType: 'text/event-stream' });
}

const codes = (response: ChatResponse): string[] => response.diagnostics.map((d) => d.code);

describe('Anthropic stream reduction', () => {
  describe('content blocks', () => {
    it('emits blocks in index order whatever order they arrive in, skipping gaps', () => {
      const response = reduce([
        start(),
        blockStart(4, { type: 'text', text: '' }),
        text(4, 'four'),
        blockStart(1, { type: 'text', text: '' }),
        text(1, 'one'),
        blockStop(4),
        blockStop(1),
        stop,
      ]);
      expect(response.message.content).toEqual([
        { type: 'text', text: 'one' },
        { type: 'text', text: 'four' },
      ]);
      expect(response.diagnostics).toEqual([]);
    });

    it('synthesizes a block of the delta’s kind for an index that was never opened', () => {
      const response = reduce([
        start(),
        text(0, 'orphan text'),
        delta(1, { type: 'thinking_delta', thinking: 'orphan thought' }),
        json(2, '{"a":1}'),
        blockStop(2),
        stop,
      ]);
      expect(response.message.content).toEqual([
        { type: 'text', text: 'orphan text' },
        { type: 'thinking', thinking: 'orphan thought' },
        { type: 'tool_use', tool_input: { a: 1 } },
      ]);
    });

    it('lets a second content_block_start for an index replace the block', () => {
      const response = reduce([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'dropped'), blockStart(0, { type: 'text', text: 'kept' }), stop]);
      expect(response.message.content).toEqual([{ type: 'text', text: 'kept' }]);
    });

    it('seeds text from content_block_start and appends deltas to it', () => {
      const response = reduce([start(), blockStart(0, { type: 'text', text: 'Hello' }), text(0, ', world'), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'text', text: 'Hello, world' }]);
    });

    it('keeps an empty text block as a bare text block', () => {
      const response = reduce([start(), blockStart(0, { type: 'text', text: '' }), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'text' }]);
    });

    it('reports a delta that does not belong to its block instead of dropping it silently', () => {
      const response = reduce([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }), text(0, 'stray'), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Read' }]);
      expect(codes(response)).toEqual(['unknown_event']);
      expect(response.diagnostics[0]?.detail).toContain('text_delta for a tool_use block');
    });

    it('keeps deltas into a block type without a canonical mapping in its data', () => {
      const response = reduce([start(), blockStart(0, { type: 'future_block', text: '' }), text(0, 'kept'), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'future_block', data: { text: 'kept' } }]);
      expect(response.diagnostics).toEqual([]);
    });
  });

  describe('tool input', () => {
    it('reassembles input_json_delta fragments at content_block_stop', () => {
      const response = reduce([
        start(),
        blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }),
        json(0, ''),
        json(0, '{"command": "ls'),
        json(0, ' -la", "timeout"'),
        json(0, ': 5000}'),
        blockStop(0),
        stop,
      ]);
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Bash', tool_input: { command: 'ls -la', timeout: 5000 } }]);
    });

    it('reassembles a multi-megabyte input sent in one data line, pushed in 16 KiB chunks', () => {
      const content = 'const x = "é";\n'.repeat(300_000);
      const body = sse([start(), blockStart(0, { type: 'tool_use', id: 'toolu_big', name: 'Write', input: {} }), json(0, JSON.stringify({ file_path: '/big.ts', content })), blockStop(0), stop]);
      const bytes = new TextEncoder().encode(body);
      const reduction = reducer.start({ contentType: 'text/event-stream' });
      for (let at = 0; at < bytes.length; at += 16 * 1024) reduction.push(bytes.subarray(at, at + 16 * 1024));
      const response = reduction.finish();
      expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
      expect(response.message.content[0]?.tool_input).toEqual({ file_path: '/big.ts', content });
      expect(response.diagnostics).toEqual([]);
    });

    it('keeps a non-empty input from content_block_start when no deltas follow', () => {
      const response = reduce([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'Now', input: { tz: 'UTC' } }), blockStop(0), stop]);
      expect(response.message.content[0]?.tool_input).toEqual({ tz: 'UTC' });
    });

    it.each([
      { name: 'no deltas', frames: [] as Frame[] },
      { name: 'only an empty fragment', frames: [json(0, '')] },
      { name: 'whitespace fragments', frames: [json(0, ' '), json(0, '\n')] },
      { name: 'an empty object streamed', frames: [json(0, '{'), json(0, '}')] },
    ])('omits tool_input for the {} placeholder and $name', ({ frames }) => {
      const response = reduce([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'Now', input: {} }), ...frames, blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Now' }]);
      expect(response.diagnostics).toEqual([]);
    });

    it.each([
      { name: 'broken JSON', raw: '{"path": "/tmp', error: expect.any(String) },
      { name: 'an array', raw: '[1,2]', error: 'tool input is not a JSON object' },
      { name: 'a string', raw: '"ls"', error: 'tool input is not a JSON object' },
    ])('reports $name as tool input and leaves tool_input out', ({ raw, error }) => {
      const response = reduce([start(), blockStart(0, { type: 'tool_use', id: 'toolu_9', name: 'Read', input: {} }), json(0, raw), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_9', tool_name: 'Read' }]);
      expect(response.diagnostics).toEqual([{ code: 'tool_input_parse_error', detail: expect.any(String), data: { tool_use_id: 'toolu_9', raw, error } }]);
      expect(response.done).toBe(true);
    });

    it('assembles the input of a block the stream never stopped', () => {
      const response = reduce([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }), json(0, '{"file_path":"/a"}')]);
      expect(response.message.content[0]?.tool_input).toEqual({ file_path: '/a' });
      expect(codes(response)).toEqual(['incomplete']);
    });

    it('reports the half input of a stream cut inside it', () => {
      const response = reduce([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }), json(0, '{"file_pa')]);
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Read' }]);
      expect(codes(response).sort()).toEqual(['incomplete', 'tool_input_parse_error']);
    });

    it('streams server_tool_use and mcp_tool_use input like tool_use', () => {
      const response = reduce([
        start(),
        blockStart(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }),
        json(0, '{"query":"tapes"}'),
        blockStop(0),
        blockStart(1, { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'echo', server_name: 'demo', input: {} }),
        json(1, '{"text":"hi"}'),
        blockStop(1),
        stop,
      ]);
      expect(response.message.content).toEqual([
        { type: 'server_tool_use', tool_use_id: 'srvtoolu_1', tool_name: 'web_search', tool_input: { query: 'tapes' } },
        { type: 'mcp_tool_use', tool_use_id: 'mcptoolu_1', tool_name: 'echo', tool_input: { text: 'hi' }, data: { server_name: 'demo' } },
      ]);
    });
  });

  describe('thinking', () => {
    it('accumulates thinking and signature deltas', () => {
      const response = reduce([
        start(),
        blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
        delta(0, { type: 'thinking_delta', thinking: 'a' }),
        delta(0, { type: 'thinking_delta', thinking: 'b' }),
        delta(0, { type: 'signature_delta', signature: 'sig' }),
        blockStop(0),
        stop,
      ]);
      expect(response.message.content).toEqual([{ type: 'thinking', thinking: 'ab', thinking_signature: 'sig' }]);
    });

    it('keeps a thinking block whose text is omitted but signed', () => {
      const response = reduce([start(), blockStart(0, { type: 'thinking', thinking: '', signature: '' }), delta(0, { type: 'signature_delta', signature: 'EuYB' }), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'thinking', thinking_signature: 'EuYB' }]);
    });

    it('keeps redacted thinking as opaque data', () => {
      const response = reduce([start(), blockStart(0, { type: 'redacted_thinking', data: 'opaque==' }), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'redacted_thinking', data: { data: 'opaque==' } }]);
    });
  });

  describe('other block types and citations', () => {
    it('keeps a server tool result with the call it answers and its fields', () => {
      const content = [{ type: 'web_search_result', url: 'https://example.com', title: 'Example' }];
      const response = reduce([start(), blockStart(0, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content }), blockStop(0), stop]);
      expect(response.message.content).toEqual([{ type: 'web_search_tool_result', tool_result_id: 'srvtoolu_1', data: { content } }]);
    });

    it('appends citations_delta citations to those of content_block_start', () => {
      const first = { type: 'char_location', cited_text: 'a', document_index: 0, start_char_index: 0, end_char_index: 1 };
      const second = { type: 'char_location', cited_text: 'b', document_index: 0, start_char_index: 1, end_char_index: 2 };
      const response = reduce([
        start(),
        blockStart(0, { type: 'text', text: '', citations: [first] }),
        delta(0, { type: 'citations_delta', citation: second }),
        text(0, 'cited'),
        blockStop(0),
        stop,
      ]);
      expect(response.message.content).toEqual([{ type: 'text', text: 'cited', citations: [first, second] }]);
    });
  });

  describe('message fields and usage', () => {
    it('takes id, model and role from message_start and defaults the role to assistant', () => {
      const response = reduce([start({ id: 'msg_42', model: 'claude-y', role: undefined }), stop]);
      expect(response).toMatchObject({ id: 'msg_42', model: 'claude-y', message: { role: 'assistant' }, done: true });
    });

    it('ignores message_start output tokens; the last message_delta output count wins', () => {
      const response = reduce([
        start({ usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 5, cache_read_input_tokens: 100 } }),
        messageDelta({ stop_reason: null }, { output_tokens: 3 }),
        messageDelta({ stop_reason: 'end_turn' }, { output_tokens: 7 }),
        stop,
      ]);
      expect(response.usage).toEqual({
        prompt_tokens: 115,
        completion_tokens: 7,
        total_tokens: 122,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 100,
      });
      expect(response.stop_reason).toBe('end_turn');
    });

    it('takes input and cache counts from message_delta when newer APIs send them there', () => {
      const response = reduce([
        start({ usage: { input_tokens: 0, output_tokens: 0 } }),
        messageDelta({ stop_reason: 'end_turn' }, { input_tokens: 20, cache_read_input_tokens: 30, output_tokens: 4, server_tool_use: { web_search_requests: 1 } }),
        stop,
      ]);
      expect(response.usage).toEqual({ prompt_tokens: 50, completion_tokens: 4, total_tokens: 54, cache_read_input_tokens: 30 });
    });

    it('leaves usage out when the stream carried none', () => {
      expect(reduce([start(), stop]).usage).toBeUndefined();
    });

    it('keeps the stop sequence that ended the turn', () => {
      const response = reduce([start(), messageDelta({ stop_reason: 'stop_sequence', stop_sequence: '###' }), stop]);
      expect(response).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###' });
    });

    it('leaves a null stop sequence out', () => {
      expect(reduce([start(), messageDelta({ stop_reason: 'end_turn', stop_sequence: null }), stop]).stop_sequence).toBeUndefined();
    });
  });

  describe('events', () => {
    it('ignores pings', () => {
      const response = reduce([['ping', { type: 'ping' }], start(), ['ping', { type: 'ping' }], stop]);
      expect(response.diagnostics).toEqual([]);
      expect(response.done).toBe(true);
    });

    it('takes the event type from the data when there is no event: line', () => {
      const frames = [start(), blockStart(0, { type: 'text', text: '' }), text(0, 'untyped'), blockStop(0), stop].map(([, data]): Frame => [undefined, data]);
      const response = reduce(frames);
      expect(response.message.content).toEqual([{ type: 'text', text: 'untyped' }]);
      expect(response.done).toBe(true);
    });

    it('counts unknown event types instead of dropping them silently', () => {
      const response = reduce([start(), ['brand_new_event', { type: 'brand_new_event' }], ['brand_new_event', { type: 'brand_new_event' }], stop]);
      expect(codes(response)).toEqual(['unknown_event', 'unknown_event']);
      expect(response.diagnostics[0]?.data).toEqual({ event: 'brand_new_event' });
      expect(response.done).toBe(true);
    });

    it('counts unknown delta types', () => {
      const response = reduce([start(), blockStart(0, { type: 'text', text: '' }), delta(0, { type: 'sparkle_delta', sparkle: 1 }), stop]);
      expect(codes(response)).toEqual(['unknown_event']);
      expect(response.diagnostics[0]?.data).toEqual({ event: 'content_block_delta', delta: 'sparkle_delta' });
    });

    it('reports an event without any type', () => {
      expect(codes(reduce([start(), [undefined, { hello: 'world' }], stop]))).toEqual(['unknown_event']);
    });

    it('reports a frame whose JSON does not parse and carries on with the stream', () => {
      const response = reduce([start(), blockStart(0, { type: 'text', text: '' }), ['content_block_delta', '{"type":"content_block_delta","index":0,'], text(0, 'still here'), stop]);
      expect(response.message.content).toEqual([{ type: 'text', text: 'still here' }]);
      expect(codes(response)).toEqual(['parse_error']);
      expect(response.done).toBe(true);
    });

    it.each([
      { name: 'a JSON array as data', frame: ['content_block_delta', '[1]'] as Frame },
      { name: 'a delta without an index', frame: ['content_block_delta', { type: 'content_block_delta', delta: { type: 'text_delta', text: 'x' } }] as Frame },
      { name: 'a negative index', frame: ['content_block_stop', { type: 'content_block_stop', index: -1 }] as Frame },
      { name: 'a start without its block', frame: ['content_block_start', { type: 'content_block_start', index: 0 }] as Frame },
      { name: 'message_start without a message', frame: ['message_start', { type: 'message_start' }] as Frame },
    ])('reports $name as a parse error', ({ frame }) => {
      const response = reduce([start(), frame, stop]);
      expect(codes(response)).toEqual(['parse_error']);
      expect(response.message.content).toEqual([]);
    });

    it('honours message_stop even when its payload is not JSON', () => {
      const response = reduce([start(), ['message_stop', 'garbage']]);
      expect(response.done).toBe(true);
      expect(codes(response)).toEqual(['parse_error']);
    });

    it('reports an upstream error after a parse error, keeping both', () => {
      const response = reduce([start(), ['content_block_delta', '{oops'], ['error', { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }]]);
      expect(codes(response)).toEqual(['parse_error', 'upstream_error']);
      expect(response.diagnostics[1]?.data).toEqual({ type: 'api_error', message: 'Internal server error' });
      expect(response.stop_reason).toBe('error');
      expect(response.done).toBe(false);
    });

    it('keeps a stop reason that arrived before the error', () => {
      const response = reduce([start(), messageDelta({ stop_reason: 'max_tokens' }), ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }], stop]);
      expect(response.stop_reason).toBe('max_tokens');
      expect(response.done).toBe(false);
      expect(codes(response)).toEqual(['upstream_error']);
    });

    it('marks a stream with events but no message_stop incomplete', () => {
      const response = reduce([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'cut')]);
      expect(response).toMatchObject({ done: false, stop_reason: 'incomplete' });
      expect(codes(response)).toEqual(['incomplete']);
    });

    it('keeps a stop reason from message_delta on a stream cut before message_stop', () => {
      const response = reduce([start(), messageDelta({ stop_reason: 'end_turn' })]);
      expect(response.stop_reason).toBe('end_turn');
      expect(codes(response)).toEqual(['incomplete']);
    });
  });

  describe('NDJSON framing (a gateway re-framing the stream)', () => {
    it('reduces one event object per line like the SSE stream', () => {
      const frames = [start(), blockStart(0, { type: 'text', text: '' }), text(0, 'hi'), blockStop(0), stop];
      const ndjson = frames.map(([, data]) => JSON.stringify(data)).join('\n') + '\n';
      const response = reduceBody(reducer, ndjson, { contentType: 'application/x-ndjson' });
      expect(response).toEqual(reduce(frames));
    });

    it('reads a whole one-shot response on one line as the one-shot form', () => {
      const oneShot = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn' };
      const response = reduceBody(reducer, JSON.stringify(oneShot) + '\n', { contentType: 'application/x-ndjson' });
      expect(response).toMatchObject({ done: true, stop_reason: 'end_turn', message: { content: [{ type: 'text', text: 'hi' }] }, diagnostics: [] });
    });

    it('reports a line that is not an object', () => {
      const response = reduceBody(reducer, '[1,2]\n', { contentType: 'application/x-ndjson' });
      expect(codes(response)).toEqual(['parse_error', 'incomplete']);
    });
  });

  describe('one-shot bodies', () => {
    it('maps blocks of a one-shot response exactly as the stream does', () => {
      const body = {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [
          { type: 'thinking', thinking: '', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'tool_use', id: 'toolu_1', name: 'Now', input: {} },
          { type: 'text', text: 'x', citations: null },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 2 },
      };
      const response = reduceBody(reducer, JSON.stringify(body), { contentType: 'application/json' });
      expect(response).toEqual({
        id: 'msg_1',
        model: 'claude-x',
        message: {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking_signature: 'sig' },
            { type: 'redacted_thinking', data: { data: 'opaque' } },
            { type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Now' },
            { type: 'text', text: 'x' },
          ],
        },
        done: true,
        stop_reason: 'tool_use',
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        diagnostics: [],
      });
    });

    it('reports a one-shot tool input that is not an object', () => {
      const body = { type: 'message', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Now', input: 'now' }] };
      const response = reduceBody(reducer, JSON.stringify(body), { contentType: 'application/json' });
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Now' }]);
      expect(response.diagnostics).toEqual([{ code: 'tool_input_parse_error', detail: expect.any(String), data: { tool_use_id: 'toolu_1', raw: '"now"', error: 'tool input is not a JSON object' } }]);
    });

    it('reports content entries that are not blocks', () => {
      const body = { type: 'message', content: ['loose', { type: 'text', text: 'ok' }] };
      const response = reduceBody(reducer, JSON.stringify(body), { contentType: 'application/json' });
      expect(response.message.content).toEqual([{ type: 'text', text: 'ok' }]);
      expect(codes(response)).toEqual(['parse_error']);
    });
  });
});
