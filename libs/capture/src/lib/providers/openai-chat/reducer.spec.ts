import type { ChatResponse, ContentBlock, Usage } from '@tapes/llm';
import { isComplete } from '@tapes/llm';
import { createNode, messageBucket } from '@tapes/merkle';
import { readFixture } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { selectReducer } from '../../policy/select-reducer';
import { OpenAIChatReducer } from './reducer';

const reducer = new OpenAIChatReducer();
const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';

const codes = (response: ChatResponse): string[] => response.diagnostics.map((d) => d.code);

function reduceFixture(file: string): ChatResponse {
  return reduceBody(reducer, readFixture(`openai_chat/${file}`), { contentType: file.endsWith('.sse') ? SSE : JSON_TYPE });
}

/** A stream body from chunk objects (or raw data strings), one `data:` event each. */
function sse(...events: (object | string)[]): string {
  return events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
}

const chunk = (delta: object, finish: string | null = null, index = 0): object => ({
  id: 'chatcmpl-T',
  object: 'chat.completion.chunk',
  model: 'gpt-4o-mini',
  choices: [{ index, delta, finish_reason: finish }],
});

const completion = (message: object, finish = 'stop'): object => ({
  id: 'chatcmpl-T',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message, finish_reason: finish }],
});

function responseHash(response: ChatResponse): string {
  return createNode(messageBucket(response.message, { model: response.model, provider: 'openai', agentName: 'canonical-equivalence' }), null).hash;
}

describe('OpenAIChatReducer', () => {
  it('declares the OpenAI Chat Completions API', () => {
    expect(reducer.provider).toBe('openai');
    expect(reducer.api).toBe('openai.chat_completions');
  });

  it.each([
    ['/v1/chat/completions', true],
    ['/v1/chat/completions/', true],
    ['/v1/chat/completions?api-version=2024-10-21', true],
    ['/openai/deployments/gpt-4o/chat/completions', true],
    ['/agents/codex/providers/openai/v1/chat/completions', true],
    ['/v1/completions', false],
    ['/v1/responses', false],
    ['/v1/chat/completions/chatcmpl-123/messages', false],
  ])('handlesPath(%s) is %s', (path, expected) => {
    expect(reducer.handlesPath(path)).toBe(expected);
    expect(selectReducer([reducer], { path }) === reducer).toBe(expected);
  });

  describe('fixtures', () => {
    interface Expected {
      file: string;
      model: string;
      content: ContentBlock[];
      stopReason: string;
      done: boolean;
      usage?: Usage;
      diagnostics: string[];
    }
    const hello: ContentBlock[] = [{ type: 'text', text: 'Hello! How can I help you today?' }];
    const weather: ContentBlock[] = [
      { type: 'tool_use', tool_use_id: 'call_FIXTURE000000000000000001', tool_name: 'get_weather', tool_input: { location: 'San Francisco, CA', unit: 'celsius' } },
    ];
    const parallel: ContentBlock[] = [
      { type: 'tool_use', tool_use_id: 'call_FIXTURE000000000000000002', tool_name: 'get_weather', tool_input: { location: 'Paris, France' } },
      { type: 'tool_use', tool_use_id: 'call_FIXTURE000000000000000003', tool_name: 'get_time', tool_input: { timezone: 'Europe/Paris' } },
    ];
    const refusal: ContentBlock[] = [{ type: 'refusal', text: "I'm sorry, but I can't help with that." }];
    const reasoning: ContentBlock[] = [
      { type: 'thinking', thinking: 'The user asks for 2 + 2. Two plus two equals four.' },
      { type: 'text', text: '2 + 2 = 4.' },
    ];
    const reasoningUsage = { prompt_tokens: 14, completion_tokens: 31, total_tokens: 45, reasoning_tokens: 24 };
    const cases: Expected[] = [
      { file: 'text_stream.sse', model: 'gpt-4o-mini-2024-07-18', content: hello, stopReason: 'stop', done: true, diagnostics: [] },
      {
        file: 'text_oneshot.json',
        model: 'gpt-4o-mini-2024-07-18',
        content: hello,
        stopReason: 'stop',
        done: true,
        usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
        diagnostics: [],
      },
      { file: 'tool_call_stream.sse', model: 'gpt-4o-mini-2024-07-18', content: weather, stopReason: 'tool_calls', done: true, diagnostics: [] },
      {
        file: 'tool_call_oneshot.json',
        model: 'gpt-4o-mini-2024-07-18',
        content: weather,
        stopReason: 'tool_calls',
        done: true,
        usage: { prompt_tokens: 82, completion_tokens: 18, total_tokens: 100 },
        diagnostics: [],
      },
      { file: 'parallel_tool_calls_stream.sse', model: 'gpt-4o-2024-08-06', content: parallel, stopReason: 'tool_calls', done: true, diagnostics: [] },
      {
        file: 'parallel_tool_calls_oneshot.json',
        model: 'gpt-4o-2024-08-06',
        content: parallel,
        stopReason: 'tool_calls',
        done: true,
        usage: { prompt_tokens: 110, completion_tokens: 46, total_tokens: 156 },
        diagnostics: [],
      },
      { file: 'refusal_stream.sse', model: 'gpt-4o-2024-08-06', content: refusal, stopReason: 'stop', done: true, diagnostics: [] },
      {
        file: 'refusal_oneshot.json',
        model: 'gpt-4o-2024-08-06',
        content: refusal,
        stopReason: 'stop',
        done: true,
        usage: { prompt_tokens: 95, completion_tokens: 11, total_tokens: 106 },
        diagnostics: [],
      },
      { file: 'reasoning_stream.sse', model: 'deepseek-reasoner', content: reasoning, stopReason: 'stop', done: true, usage: reasoningUsage, diagnostics: [] },
      { file: 'reasoning_oneshot.json', model: 'deepseek-reasoner', content: reasoning, stopReason: 'stop', done: true, usage: reasoningUsage, diagnostics: [] },
      {
        file: 'usage_stream.sse',
        model: 'o4-mini-2025-04-16',
        content: [{ type: 'text', text: 'The answer is 42.' }],
        stopReason: 'stop',
        done: true,
        usage: { prompt_tokens: 1250, completion_tokens: 180, total_tokens: 1430, cache_read_input_tokens: 1024, reasoning_tokens: 128 },
        diagnostics: [],
      },
      {
        file: 'n2_stream.sse',
        model: 'gpt-4o-mini-2024-07-18',
        content: [{ type: 'text', text: 'Heads.' }],
        stopReason: 'stop',
        done: true,
        diagnostics: ['extra_choices'],
      },
      {
        file: 'error_mid_stream.sse',
        model: 'gpt-4o-mini-2024-07-18',
        content: [{ type: 'text', text: 'Starting to answer' }],
        stopReason: 'error',
        done: false,
        diagnostics: ['upstream_error'],
      },
      {
        file: 'truncated_stream.sse',
        model: 'gpt-4o-mini-2024-07-18',
        content: [{ type: 'text', text: 'Partial respon' }],
        stopReason: 'incomplete',
        done: false,
        diagnostics: ['incomplete'],
      },
      { file: 'error_body.json', model: '', content: [], stopReason: 'error', done: false, diagnostics: ['upstream_error'] },
    ];

    it.each(cases)('$file reduces to its message, stop reason and usage', (c) => {
      const response = reduceFixture(c.file);
      expect(response.model).toBe(c.model);
      expect(response.message).toEqual({ role: 'assistant', content: c.content });
      expect(response.stop_reason).toBe(c.stopReason);
      expect(response.done).toBe(c.done);
      expect(response.usage).toEqual(c.usage);
      expect(codes(response)).toEqual(c.diagnostics);
      expect(isComplete(response)).toBe(c.diagnostics.length === 0);
    });

    it.each(cases)('$file reduces identically without a content type (sniffed)', (c) => {
      expect(reduceBody(reducer, readFixture(`openai_chat/${c.file}`))).toEqual(reduceFixture(c.file));
    });

    it('keeps the response id of streamed and one-shot bodies', () => {
      expect(reduceFixture('text_stream.sse').id).toBe('chatcmpl-FIXTURE0000000000000000001');
      expect(reduceFixture('text_oneshot.json').id).toBe('chatcmpl-FIXTURE0000000000000000001');
    });

    it('counts the extra choices of an n=2 stream', () => {
      const [diagnostic] = reduceFixture('n2_stream.sse').diagnostics;
      expect(diagnostic?.data).toEqual({ count: 1, indices: [1] });
    });

    it.each(['error_mid_stream.sse', 'error_body.json'])('reports the error object of %s', (file) => {
      const [diagnostic] = reduceFixture(file).diagnostics;
      expect(diagnostic?.data?.['error']).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }));
    });
  });

  describe('canonical equivalence (stream ≡ one-shot)', () => {
    it.each([
      ['text', 'text_stream.sse', 'text_oneshot.json'],
      ['tool call with fragmented arguments', 'tool_call_stream.sse', 'tool_call_oneshot.json'],
      ['parallel tool calls', 'parallel_tool_calls_stream.sse', 'parallel_tool_calls_oneshot.json'],
      ['refusal', 'refusal_stream.sse', 'refusal_oneshot.json'],
      ['reasoning_content', 'reasoning_stream.sse', 'reasoning_oneshot.json'],
    ])('%s: the streamed and one-shot forms give the same response node', (_name, stream, oneshot) => {
      const streamed = reduceFixture(stream);
      const whole = reduceFixture(oneshot);
      expect(streamed.message).toEqual(whole.message);
      expect(responseHash(streamed)).toBe(responseHash(whole));
    });

    it.each([
      ['an empty string content is one empty text block', { role: 'assistant', content: '' }, [chunk({ role: 'assistant', content: '' }), chunk({}, 'stop')]],
      ['a null content is no block', { role: 'assistant', content: null }, [chunk({ role: 'assistant', content: null }), chunk({}, 'stop')]],
      [
        'a custom (freeform) tool call',
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' } }] },
        [
          chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'custom', custom: { name: 'apply_patch', input: '' } }] }),
          chunk({ tool_calls: [{ index: 0, custom: { input: '*** Begin Patch\n' } }] }),
          chunk({ tool_calls: [{ index: 0, custom: { input: '*** End Patch' } }] }),
          chunk({}, 'tool_calls'),
        ],
      ],
      [
        'a legacy function_call',
        { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":"tapes"}' } },
        [chunk({ role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '' } }), chunk({ function_call: { arguments: '{"q":' } }), chunk({ function_call: { arguments: '"tapes"}' } }), chunk({}, 'function_call')],
      ],
      [
        'the `reasoning` field of OpenRouter/Ollama',
        { role: 'assistant', content: 'Four.', reasoning: 'Two and two.' },
        [chunk({ role: 'assistant', content: '', reasoning: 'Two' }), chunk({ reasoning: ' and two.' }), chunk({ content: 'Four.' }), chunk({}, 'stop')],
      ],
    ])('%s', (_name, message, chunks) => {
      const streamed = reduceBody(reducer, sse(...chunks, '[DONE]'), { contentType: SSE });
      const whole = reduceBody(reducer, JSON.stringify(completion(message)), { contentType: JSON_TYPE });
      expect(codes(streamed)).toEqual([]);
      expect(codes(whole)).toEqual([]);
      expect(streamed.message).toEqual(whole.message);
      expect(responseHash(streamed)).toBe(responseHash(whole));
    });

    it('maps a one-shot empty string to a text block, as tapes #192 does', () => {
      const response = reducer.reduceJson(completion({ role: 'assistant', content: '' }));
      expect(response.message.content).toEqual([{ type: 'text', text: '' }]);
    });
  });

  describe('streams', () => {
    it('keeps a tool call whose arguments are not JSON, with the raw text, and reports it', () => {
      const body = sse(
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_bad', type: 'function', function: { name: 'f', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{not valid json' } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      );
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'call_bad', tool_name: 'f', data: { arguments: '{not valid json' } }]);
      expect(response.diagnostics).toEqual([
        { code: 'tool_input_parse_error', detail: expect.stringContaining('call_bad'), data: { tool_use_id: 'call_bad', raw: '{not valid json', error: expect.any(String) } },
      ]);
      expect(response.done).toBe(true);
    });

    it.each([
      ['an array', '[1,2]'],
      ['a string', '"text"'],
      ['null', 'null'],
    ])('reports arguments that are JSON %s but not an object', (_name, raw) => {
      const response = reducer.reduceJson(completion({ role: 'assistant', content: null, tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'f', arguments: raw } }] }, 'tool_calls'));
      expect(response.message.content[0]?.tool_input).toBeUndefined();
      expect(response.message.content[0]?.data).toEqual({ arguments: raw });
      expect(codes(response)).toEqual(['tool_input_parse_error']);
    });

    it('treats empty arguments as a call without input', () => {
      const response = reducer.reduceJson(completion({ role: 'assistant', content: null, tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'now', arguments: '' } }] }, 'tool_calls'));
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'call_x', tool_name: 'now' }]);
      expect(codes(response)).toEqual([]);
    });

    it('assembles tool calls of servers that omit the index, by id', () => {
      const body = sse(
        chunk({ role: 'assistant', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ function: { arguments: '1}' } }] }),
        chunk({ tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      );
      expect(reduceBody(reducer, body, { contentType: SSE }).message.content).toEqual([
        { type: 'tool_use', tool_use_id: 'call_a', tool_name: 'a', tool_input: { x: 1 } },
        { type: 'tool_use', tool_use_id: 'call_b', tool_name: 'b', tool_input: {} },
      ]);
    });

    it('orders tool calls by index whatever order their fragments arrive in', () => {
      const body = sse(
        chunk({ role: 'assistant', tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      );
      const ids = reduceBody(reducer, body, { contentType: SSE }).message.content.map((b) => b.tool_use_id);
      expect(ids).toEqual(['call_a', 'call_b']);
    });

    it('keeps a finished message but reports a stream cut between finish_reason and [DONE]', () => {
      const response = reduceBody(reducer, sse(chunk({ role: 'assistant', content: 'Hi' }), chunk({}, 'stop')), { contentType: SSE });
      expect(response.message.content).toEqual([{ type: 'text', text: 'Hi' }]);
      expect(response.done).toBe(true);
      expect(response.stop_reason).toBe('stop');
      expect(response.diagnostics).toEqual([{ code: 'incomplete', detail: expect.stringContaining('without [DONE]') }]);
    });

    it('reports an `event: error` whose data is the error itself', () => {
      const body = `data: ${JSON.stringify(chunk({ role: 'assistant', content: 'Hi' }))}\n\nevent: error\ndata: {"message":"overloaded","type":"server_error"}\n\n`;
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.diagnostics).toEqual([
        { code: 'upstream_error', detail: expect.stringContaining('overloaded'), data: { error: { message: 'overloaded', type: 'server_error' } } },
      ]);
      expect(response.stop_reason).toBe('error');
      expect(response.done).toBe(false);
    });

    it('counts chunks it cannot read and keeps the rest of the turn', () => {
      const body = sse(chunk({ role: 'assistant', content: 'Hel' }), '{broken', '{"object":"chat.completion.chunk","surprise":true}', chunk({ content: 'lo' }, 'stop'), '[DONE]');
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(response.message.content).toEqual([{ type: 'text', text: 'Hello' }]);
      expect(codes(response)).toEqual(['parse_error', 'unknown_event']);
      expect(response.done).toBe(true);
    });

    it('ignores SSE comments and the empty-choices chunk Azure sends first', () => {
      const body = `: keep-alive\n\n${sse({ id: '', object: '', model: '', choices: [], prompt_filter_results: [] }, chunk({ role: 'assistant', content: 'ok' }, 'stop'), '[DONE]')}`;
      const response = reduceBody(reducer, body, { contentType: SSE });
      expect(codes(response)).toEqual([]);
      expect(response.message.content).toEqual([{ type: 'text', text: 'ok' }]);
    });

    it('reduces chunks framed as NDJSON when the content type says so', () => {
      const body = [chunk({ role: 'assistant', content: 'A' }), chunk({ content: 'B' }, 'stop')].map((c) => JSON.stringify(c)).join('\n');
      const response = reduceBody(reducer, body, { contentType: 'application/x-ndjson' });
      expect(response.message.content).toEqual([{ type: 'text', text: 'AB' }]);
    });

    it('reduces a single chunk sent as a JSON body', () => {
      const response = reducer.reduceJson(chunk({ role: 'assistant', content: 'only' }, 'stop'));
      expect(response.message.content).toEqual([{ type: 'text', text: 'only' }]);
      expect(response.stop_reason).toBe('stop');
    });
  });

  describe('one-shot bodies', () => {
    it('maps content parts, refusal and tool calls of choice 0 in order', () => {
      const response = reducer.reduceJson(
        completion(
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
            refusal: 'no',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"k":1}' } }],
          },
          'tool_calls',
        ),
      );
      expect(response.message.content).toEqual([
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
        { type: 'refusal', text: 'no' },
        { type: 'tool_use', tool_use_id: 'call_1', tool_name: 'f', tool_input: { k: 1 } },
      ]);
    });

    it('takes the choice with index 0 and counts the others', () => {
      const response = reducer.reduceJson({
        model: 'm',
        choices: [
          { index: 1, message: { role: 'assistant', content: 'second' }, finish_reason: 'stop' },
          { index: 0, message: { role: 'assistant', content: 'first' }, finish_reason: 'length' },
        ],
      });
      expect(response.message.content).toEqual([{ type: 'text', text: 'first' }]);
      expect(response.stop_reason).toBe('length');
      expect(response.diagnostics).toEqual([expect.objectContaining({ code: 'extra_choices', data: { count: 1, indices: [1] } })]);
    });

    it('reports a completion without choices', () => {
      const response = reducer.reduceJson({ id: 'chatcmpl-T', object: 'chat.completion', model: 'gpt-4o', choices: [] });
      expect(response.model).toBe('gpt-4o');
      expect(response.message).toEqual({ role: 'assistant', content: [] });
      expect(codes(response)).toEqual(['empty_response']);
    });

    it('reads cached and reasoning tokens from the usage details', () => {
      const response = reducer.reduceJson({
        ...completion({ role: 'assistant', content: 'x' }),
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } },
      });
      expect(response.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cache_read_input_tokens: 4, reasoning_tokens: 3 });
    });
  });

  describe('bad input', () => {
    it.each([
      { name: 'an empty body', body: '', contentType: SSE, code: 'empty_response' },
      { name: 'an empty JSON body', body: '', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'whitespace only', body: '\n\n  \n', contentType: SSE, code: 'empty_response' },
      { name: 'an HTML error page', body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html', code: 'empty_response' },
      { name: 'an HTML page sent as an event stream', body: '<!DOCTYPE html><html></html>', contentType: SSE, code: 'empty_response' },
      { name: 'binary garbage', body: Buffer.from([0x00, 0xff, 0x13, 0x37, 0x89, 0xfe, 0x00, 0x01]), contentType: SSE, code: 'empty_response' },
      { name: 'a JSON error body with status 200', body: '{"error":{"message":"boom","type":"server_error","code":null}}', contentType: JSON_TYPE, code: 'upstream_error' },
      { name: 'a JSON error body under an event-stream type', body: '{"error":{"message":"boom","type":"server_error"}}', contentType: SSE, code: 'upstream_error' },
      { name: 'a JSON array', body: '[1,2,3]', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'a JSON object that is not a completion', body: '{"object":"list","data":[]}', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'only [DONE]', body: 'data: [DONE]\n\n', contentType: SSE, code: 'empty_response' },
      { name: 'only comments', body: ': ping\n\n: ping\n\n', contentType: SSE, code: 'empty_response' },
    ])('$name → $code, not done, no exception', ({ body, contentType, code }) => {
      const response = reduceBody(reducer, body, { contentType });
      expect(codes(response)).toEqual([code]);
      expect(response.done).toBe(false);
      expect(response.message).toEqual({ role: 'assistant', content: [] });
    });

    it.each([null, 42, 'text', [], {}])('reduceJson(%j) reports the document instead of throwing', (document) => {
      const response = reducer.reduceJson(document);
      expect(response.done).toBe(false);
      expect(codes(response)).toEqual(['empty_response']);
    });
  });
});
