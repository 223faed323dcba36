import type { ChatResponse, ContentBlock, Usage } from '@tapes/llm';
import { isComplete } from '@tapes/llm';
import { createNode, messageBucket } from '@tapes/merkle';
import { readFixture } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { selectReducer } from '../../policy/select-reducer';
import { OpenAIResponsesReducer } from './reducer';

const reducer = new OpenAIResponsesReducer();
const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';

const codes = (response: ChatResponse): string[] => response.diagnostics.map((d) => d.code);

/** The content type each fixture arrives with; the Codex backend sends none. */
function contentTypeOf(file: string): string {
  if (file.startsWith('chatgpt')) return '';
  return file.endsWith('.sse') ? SSE : JSON_TYPE;
}

function reduceFixture(file: string): ChatResponse {
  return reduceBody(reducer, readFixture(`openai_responses/${file}`), { contentType: contentTypeOf(file) });
}

/** A stream body from event objects, each framed with its `event:` name as OpenAI does. */
function sse(...events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e['type'])}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

const created = { type: 'response.created', response: { id: 'resp_T', object: 'response', status: 'in_progress', model: 'gpt-4.1', output: [] } };
const completed = (output: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'response.completed',
  response: { id: 'resp_T', object: 'response', status: 'completed', model: 'gpt-4.1', output, ...extra },
});

function responseHash(response: ChatResponse): string {
  return createNode(messageBucket(response.message, { model: response.model, provider: 'openai', agentName: 'canonical-equivalence' }), null).hash;
}

describe('OpenAIResponsesReducer', () => {
  it('declares the OpenAI Responses API', () => {
    expect(reducer.provider).toBe('openai');
    expect(reducer.api).toBe('openai.responses');
  });

  it.each([
    ['/v1/responses', true],
    ['/v1/responses/', true],
    ['/backend-api/codex/responses', true],
    ['/agents/codex/providers/openai/v1/responses?stream=true', true],
    ['/v1/responses/resp_123', false],
    ['/v1/responses/resp_123/input_items', false],
    ['/v1/chat/completions', false],
  ])('handlesPath(%s) is %s', (path, expected) => {
    expect(reducer.handlesPath(path)).toBe(expected);
    expect(selectReducer([reducer], { path }) === reducer).toBe(expected);
  });

  describe('fixtures', () => {
    interface Expected {
      file: string;
      model: string;
      id: string;
      content: ContentBlock[];
      stopReason: string | undefined;
      done: boolean;
      usage?: Usage;
      diagnostics: string[];
    }
    const weather: ContentBlock[] = [
      { type: 'tool_use', tool_use_id: 'call_FIXTURE000000000000000011', tool_name: 'get_weather', tool_input: { location: 'Paris, France', unit: 'celsius' } },
    ];
    const reasoning: ContentBlock[] = [
      {
        type: 'thinking',
        thinking: '**Adding the numbers**\n\nThe user asks for 2 + 2.\n\n**Answering**\n\nTwo plus two equals four.',
        thinking_signature: 'gAAAAABpFIXTURE-encrypted-reasoning-3==',
      },
      { type: 'text', text: '2 + 2 = 4.' },
    ];
    const reasoningUsage = { prompt_tokens: 13, completion_tokens: 150, total_tokens: 163, reasoning_tokens: 128 };
    const fixture = (n: number): string => `resp_FIXTURE${String(n).padStart(41, '0')}`;
    const cases: Expected[] = [
      {
        file: 'stream.sse',
        model: 'gpt-4o-mini-2024-07-18',
        id: 'resp_01432258600f7c15006a2b3cca8f00819aa3844016990df817',
        content: [{ type: 'text', text: 'paper-codex-sse-ok' }],
        stopReason: 'completed',
        done: true,
        usage: { prompt_tokens: 18, completion_tokens: 8, total_tokens: 26 },
        diagnostics: [],
      },
      {
        file: 'oneshot.json',
        model: 'gpt-4o-mini-2024-07-18',
        id: 'resp_0d447a724b353270006a2b3cbb2e2881989e548b7fd191e59d',
        content: [{ type: 'text', text: 'paper-codex-ok' }],
        stopReason: 'completed',
        done: true,
        usage: { prompt_tokens: 16, completion_tokens: 6, total_tokens: 22 },
        diagnostics: [],
      },
      {
        // The Codex backend's terminal event has `output: []`: the items come from the stream.
        file: 'chatgpt_stream.sse',
        model: 'gpt-5.5',
        id: 'resp_0439f6129bd8a840016a2b457a0774819ba629cf2ae61cba10',
        content: [{ type: 'thinking' }, { type: 'text', text: 'chatgpt-probe-ok' }],
        stopReason: 'completed',
        done: true,
        usage: { prompt_tokens: 26, completion_tokens: 21, total_tokens: 47, reasoning_tokens: 9 },
        diagnostics: [],
      },
      {
        file: 'function_call_stream.sse',
        model: 'gpt-4.1-2025-04-14',
        id: fixture(1),
        content: weather,
        stopReason: 'completed',
        done: true,
        usage: { prompt_tokens: 75, completion_tokens: 23, total_tokens: 98 },
        diagnostics: [],
      },
      {
        file: 'function_call_oneshot.json',
        model: 'gpt-4.1-2025-04-14',
        id: fixture(1),
        content: weather,
        stopReason: 'completed',
        done: true,
        usage: { prompt_tokens: 75, completion_tokens: 23, total_tokens: 98 },
        diagnostics: [],
      },
      {
        file: 'custom_tool_call_stream.sse',
        model: 'gpt-5-2025-08-07',
        id: fixture(2),
        content: [
          { type: 'thinking', thinking_signature: 'gAAAAABpFIXTURE-encrypted-reasoning-2==' },
          {
            type: 'custom_tool_call',
            tool_use_id: 'call_FIXTURE000000000000000012',
            tool_name: 'apply_patch',
            data: { input: "*** Begin Patch\n*** Update File: src/greet.ts\n@@\n-export const greeting = 'hello';\n+export const greeting = 'hello, world';\n*** End Patch" },
          },
        ],
        stopReason: 'completed',
        done: true,
        usage: { prompt_tokens: 412, completion_tokens: 96, total_tokens: 508, reasoning_tokens: 64 },
        diagnostics: [],
      },
      { file: 'reasoning_stream.sse', model: 'o4-mini-2025-04-16', id: fixture(3), content: reasoning, stopReason: 'completed', done: true, usage: reasoningUsage, diagnostics: [] },
      { file: 'reasoning_oneshot.json', model: 'o4-mini-2025-04-16', id: fixture(3), content: reasoning, stopReason: 'completed', done: true, usage: reasoningUsage, diagnostics: [] },
      { file: 'failed_stream.sse', model: 'gpt-4.1-2025-04-14', id: fixture(4), content: [], stopReason: 'failed', done: false, diagnostics: ['upstream_error'] },
      {
        // The provider ended the turn at max_output_tokens: the capture itself is complete.
        file: 'incomplete_stream.sse',
        model: 'gpt-4.1-mini-2025-04-14',
        id: fixture(5),
        content: [{ type: 'text', text: 'Once upon a time, in a quiet village by the sea, there lived an old' }],
        stopReason: 'max_output_tokens',
        done: true,
        usage: { prompt_tokens: 21, completion_tokens: 16, total_tokens: 37 },
        diagnostics: [],
      },
      {
        file: 'truncated_stream.sse',
        model: 'gpt-4.1-2025-04-14',
        id: fixture(6),
        content: [
          { type: 'text', text: 'Let me check the weather.' },
          { type: 'tool_use', tool_use_id: 'call_FIXTURE000000000000000016', tool_name: 'get_weather', data: { arguments: '{"location":"Par' } },
        ],
        stopReason: 'incomplete',
        done: false,
        diagnostics: ['tool_input_parse_error', 'incomplete'],
      },
      {
        file: 'error_event_stream.sse',
        model: 'gpt-4.1-2025-04-14',
        id: fixture(7),
        content: [{ type: 'text', text: 'Starting to answer' }],
        stopReason: 'error',
        done: false,
        diagnostics: ['upstream_error'],
      },
    ];

    it.each(cases)('$file reduces to its message, stop reason and usage', (c) => {
      const response = reduceFixture(c.file);
      expect(response.model).toBe(c.model);
      expect(response.id).toBe(c.id);
      expect(response.message).toEqual({ role: 'assistant', content: c.content });
      expect(response.stop_reason).toBe(c.stopReason);
      expect(response.done).toBe(c.done);
      expect(response.usage).toEqual(c.usage);
      expect(codes(response)).toEqual(c.diagnostics);
      expect(isComplete(response)).toBe(c.diagnostics.length === 0);
    });

    it.each(cases)('$file reduces identically without a content type (sniffed)', (c) => {
      expect(reduceBody(reducer, readFixture(`openai_responses/${c.file}`))).toEqual(reduceFixture(c.file));
    });

    it('reduces error_body.json to an upstream error with the error object', () => {
      const response = reduceFixture('error_body.json');
      expect(response.diagnostics).toEqual([
        { code: 'upstream_error', detail: expect.stringContaining("Invalid 'input[0].content'"), data: { error: expect.objectContaining({ type: 'invalid_request_error', code: 'empty_array' }) } },
      ]);
      expect(response.done).toBe(false);
      expect(response.stop_reason).toBe('error');
    });

    it.each([
      ['failed_stream.sse', { code: 'server_error' }],
      ['error_event_stream.sse', { code: 'server_error', param: null }],
    ])('%s reports the error object', (file, fields) => {
      const [diagnostic] = reduceFixture(file).diagnostics;
      expect(diagnostic?.data?.['error']).toEqual(expect.objectContaining({ ...fields, message: expect.any(String) }));
    });
  });

  describe('canonical equivalence (stream ≡ one-shot)', () => {
    it.each([
      ['function call with fragmented arguments', 'function_call_stream.sse', 'function_call_oneshot.json'],
      ['reasoning summary with signature, then text', 'reasoning_stream.sse', 'reasoning_oneshot.json'],
    ])('%s: the streamed and one-shot forms give the same response node', (_name, stream, oneshot) => {
      const streamed = reduceFixture(stream);
      const whole = reduceFixture(oneshot);
      expect(streamed.message).toEqual(whole.message);
      expect(responseHash(streamed)).toBe(responseHash(whole));
    });

    it.each(['function_call_stream.sse', 'reasoning_stream.sse', 'custom_tool_call_stream.sse', 'stream.sse', 'incomplete_stream.sse'])(
      '%s: the items rebuilt from the deltas equal the terminal output',
      (file) => {
        const text = readFixture(`openai_responses/${file}`).toString('utf8');
        // Drop the terminal event: what is left must rebuild the same message from the deltas.
        const withoutTerminal = text.replace(/event: response\.(completed|incomplete)\ndata: .*\n\n/, '');
        expect(withoutTerminal).not.toBe(text);
        const rebuilt = reduceBody(reducer, withoutTerminal, { contentType: SSE });
        expect(rebuilt.message).toEqual(reduceFixture(file).message);
        expect(codes(rebuilt)).toEqual(['incomplete']);
      },
    );
  });

  describe('streams', () => {
    it('rebuilds unfinished items of every kind from their deltas when the stream is cut', () => {
      const body = sse(
        created,
        { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } },
        { type: 'response.reasoning_summary_part.added', output_index: 0, item_id: 'rs_1', summary_index: 0, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', output_index: 0, item_id: 'rs_1', summary_index: 0, delta: 'Think' },
        { type: 'response.reasoning_summary_text.delta', output_index: 0, item_id: 'rs_1', summary_index: 0, delta: 'ing' },
        { type: 'response.reasoning_text.delta', output_index: 0, item_id: 'rs_1', content_index: 0, delta: 'raw thoughts' },
        { type: 'response.output_item.added', output_index: 1, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } },
        { type: 'response.content_part.added', output_index: 1, item_id: 'msg_1', content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
        { type: 'response.output_text.delta', output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'See ' },
        { type: 'response.output_text.annotation.added', output_index: 1, item_id: 'msg_1', content_index: 0, annotation_index: 0, annotation: { type: 'url_citation', url: 'https://example.com' } },
        { type: 'response.output_text.delta', output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'docs.' },
        { type: 'response.content_part.added', output_index: 1, item_id: 'msg_1', content_index: 1, part: { type: 'refusal', refusal: '' } },
        { type: 'response.refusal.delta', output_index: 1, item_id: 'msg_1', content_index: 1, delta: 'No more.' },
        { type: 'response.output_item.added', output_index: 2, item: { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_c', name: 'sql', input: '' } },
        { type: 'response.custom_tool_call_input.delta', output_index: 2, item_id: 'ctc_1', delta: 'SELECT ' },
        { type: 'response.custom_tool_call_input.delta', output_index: 2, item_id: 'ctc_1', delta: '1' },
      );
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.message.content).toEqual([
        { type: 'thinking', thinking: 'Thinking', data: { reasoning_text: 'raw thoughts' } },
        { type: 'text', text: 'See docs.', citations: [{ type: 'url_citation', url: 'https://example.com' }] },
        { type: 'refusal', text: 'No more.' },
        { type: 'custom_tool_call', tool_use_id: 'call_c', tool_name: 'sql', data: { input: 'SELECT 1' } },
      ]);
      expect(response.model).toBe('gpt-4.1');
      expect(response.id).toBe('resp_T');
      expect(codes(response)).toEqual(['incomplete']);
    });

    it('finds the item of a delta without output_index by its item_id', () => {
      const body = sse(
        created,
        { type: 'response.output_item.added', output_index: 0, item: { id: 'fc_a', type: 'function_call', call_id: 'call_a', name: 'a', arguments: '' } },
        { type: 'response.output_item.added', output_index: 1, item: { id: 'fc_b', type: 'function_call', call_id: 'call_b', name: 'b', arguments: '' } },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_a', delta: '{"x":1}' },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_b', delta: '{"y":2}' },
      );
      expect(reduceBody(reducer, body, { contentType: SSE }).message.content).toEqual([
        { type: 'tool_use', tool_use_id: 'call_a', tool_name: 'a', tool_input: { x: 1 } },
        { type: 'tool_use', tool_use_id: 'call_b', tool_name: 'b', tool_input: { y: 2 } },
      ]);
    });

    it('prefers the terminal output over the deltas when it has items', () => {
      const body = sse(
        created,
        { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } },
        { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'draft' },
        completed([{ id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'final', annotations: [] }] }]),
      );
      expect(reduceBody(reducer, body, { contentType: SSE }).message.content).toEqual([{ type: 'text', text: 'final' }]);
    });

    it('maps other output items to their type with the rest as data', () => {
      const search = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'tapes' } };
      const response = reduceBody(reducer, sse(created, completed([search])), { contentType: SSE });
      expect(response.message.content).toEqual([{ type: 'web_search_call', data: { id: 'ws_1', status: 'completed', action: { type: 'search', query: 'tapes' } } }]);
      expect(codes(response)).toEqual([]);
    });

    it('skips progress events and Codex metadata, and counts unknown events', () => {
      const body = sse(
        { type: 'codex.rate_limits', rate_limits: { allowed: true } },
        created,
        { type: 'response.web_search_call.searching', output_index: 0, item_id: 'ws_1' },
        { type: 'response.brand_new_event', output_index: 0 },
        completed([]),
      );
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.diagnostics).toEqual([{ code: 'unknown_event', detail: expect.stringContaining('response.brand_new_event') }]);
      expect(response.done).toBe(true);
    });

    it('reads an event type from `event:` when the data has none', () => {
      const body = `event: response.completed\ndata: ${JSON.stringify({ response: { id: 'resp_T', model: 'gpt-4.1', status: 'completed', output: [] } })}\n\n`;
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.done).toBe(true);
      expect(codes(response)).toEqual([]);
    });

    it('reports an error event in its nested form', () => {
      const body = sse(created, { type: 'error', error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'too long', param: 'input' } });
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.diagnostics).toEqual([
        { code: 'upstream_error', detail: expect.stringContaining('too long'), data: { error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'too long', param: 'input' } } },
      ]);
      expect(response.stop_reason).toBe('error');
    });

    it('reports a failed response without an error object', () => {
      const body = sse(created, { type: 'response.failed', response: { id: 'resp_T', status: 'failed', model: 'gpt-4.1', output: [] } });
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(codes(response)).toEqual(['upstream_error']);
      expect(response.stop_reason).toBe('failed');
    });

    it('counts events it cannot read and keeps the rest of the turn', () => {
      const body = `${sse(created)}event: response.output_text.delta\ndata: {broken\n\ndata: [DONE]\n\n${sse(completed([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] }]))}`;
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(codes(response)).toEqual(['parse_error']);
      expect(response.message.content).toEqual([{ type: 'text', text: 'ok' }]);
      expect(response.done).toBe(true);
    });

    it('keeps a function call with bad arguments, with the raw text, and reports it', () => {
      const call = { type: 'function_call', call_id: 'call_bad', name: 'f', arguments: '[1,2]' };
      const response = reduceBody(reducer, sse(created, completed([call])), { contentType: SSE });
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'call_bad', tool_name: 'f', data: { arguments: '[1,2]' } }]);
      expect(response.diagnostics).toEqual([
        { code: 'tool_input_parse_error', detail: expect.stringContaining('call_bad'), data: { tool_use_id: 'call_bad', raw: '[1,2]', error: expect.stringContaining('array') } },
      ]);
    });
  });

  describe('one-shot bodies', () => {
    it.each([
      ['completed', {}, true, 'completed', []],
      ['incomplete with a reason', { incomplete_details: { reason: 'content_filter' } }, true, 'content_filter', []],
      ['incomplete without a reason', {}, true, 'incomplete', []],
      ['failed', { error: { code: 'server_error', message: 'boom' } }, false, 'failed', ['upstream_error']],
      ['cancelled', {}, false, 'cancelled', ['incomplete']],
      ['queued (a background response)', {}, false, 'queued', ['incomplete']],
    ])('status %s → done %s, stop reason %s', (status, extra, done, stopReason, diagnostics) => {
      const response = reducer.reduceJson({ id: 'resp_T', object: 'response', status: status.split(' ')[0], model: 'gpt-4.1', output: [], ...extra });
      expect(response.done).toBe(done);
      expect(response.stop_reason).toBe(stopReason);
      expect(codes(response)).toEqual(diagnostics);
    });

    it('maps input images and other message parts', () => {
      const response = reducer.reduceJson({
        object: 'response',
        status: 'completed',
        model: 'm',
        output: [
          {
            type: 'message',
            role: 'assistant',
            content: [
              { type: 'output_text', text: 'a', annotations: [] },
              { type: 'output_audio', data: 'AAAA', transcript: 'a' },
            ],
          },
        ],
      });
      expect(response.message.content).toEqual([
        { type: 'text', text: 'a' },
        { type: 'output_audio', data: { data: 'AAAA', transcript: 'a' } },
      ]);
    });
  });

  describe('bad input', () => {
    it.each([
      { name: 'an empty body', body: '', contentType: SSE, code: 'empty_response' },
      { name: 'an empty body without a content type', body: '', contentType: '', code: 'empty_response' },
      { name: 'only comments', body: ': keep-alive\n\n', contentType: SSE, code: 'empty_response' },
      { name: 'an HTML error page', body: '<html><head><title>403 Forbidden</title></head></html>', contentType: 'text/html', code: 'empty_response' },
      { name: 'binary garbage', body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef]), contentType: '', code: 'empty_response' },
      { name: 'a JSON error body with status 200', body: '{"error":{"message":"boom","type":"server_error","code":null}}', contentType: JSON_TYPE, code: 'upstream_error' },
      { name: 'a JSON document that is not a response', body: '{"object":"list","data":[]}', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'a JSON array', body: '[]', contentType: JSON_TYPE, code: 'empty_response' },
    ])('$name → $code, not done, no exception', ({ body, contentType, code }) => {
      const response = reduceBody(reducer, body, { contentType });
      expect(codes(response)).toEqual([code]);
      expect(response.done).toBe(false);
      expect(response.message).toEqual({ role: 'assistant', content: [] });
    });

    it.each([null, 7, 'text', {}])('reduceJson(%j) reports the document instead of throwing', (document) => {
      const response = reducer.reduceJson(document);
      expect(response.done).toBe(false);
      expect(codes(response)).toEqual(['empty_response']);
    });
  });
});
