import type { ChatResponse, ContentBlock, Usage } from '@tapes/llm';
import { isComplete } from '@tapes/llm';
import { readFixture } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { selectReducer } from '../../policy/select-reducer';
import { AnthropicMessagesReducer } from './reducer';

const reducer = new AnthropicMessagesReducer();
const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';

function reduceFixture(file: string, contentType: string): ChatResponse {
  return reduceBody(reducer, readFixture(file), { contentType });
}

const codes = (response: ChatResponse): string[] => response.diagnostics.map((d) => d.code);

describe('AnthropicMessagesReducer', () => {
  it('declares the Anthropic Messages API', () => {
    expect(reducer.provider).toBe('anthropic');
    expect(reducer.api).toBe('anthropic.messages');
  });

  it.each([
    ['/v1/messages', true],
    ['/v1/messages/', true],
    ['/v1/messages?beta=true', true],
    ['/agents/claude/providers/anthropic/v1/messages', true],
    ['/v1/messages/count_tokens', false],
    ['/v1/messages/batches', false],
    ['/v1/chat/completions', false],
    ['/v1/messagesx', false],
  ])('handlesPath(%s) is %s', (path, expected) => {
    expect(reducer.handlesPath(path)).toBe(expected);
    expect(selectReducer([reducer], { path }) === reducer).toBe(expected);
  });

  describe('the shared fixtures (ref §8)', () => {
    interface Expected {
      file: string;
      contentType: string;
      model: string;
      content: ContentBlock[];
      stopReason: string;
      done: boolean;
      usage: Usage;
      diagnostics: string[];
    }
    const helloUsage = { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 };
    const cases: Expected[] = [
      {
        file: 'anthropic/messages_oneshot.json',
        contentType: JSON_TYPE,
        model: 'claude-3-5-sonnet-20241022',
        content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
        stopReason: 'end_turn',
        done: true,
        usage: helloUsage,
        diagnostics: [],
      },
      {
        file: 'anthropic/messages_stream.sse',
        contentType: SSE,
        model: 'claude-3-5-sonnet-20241022',
        content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
        stopReason: 'end_turn',
        done: true,
        usage: helloUsage,
        diagnostics: [],
      },
      {
        file: 'anthropic/messages_tool_use.sse',
        contentType: SSE,
        model: 'claude-3-5-sonnet-20241022',
        content: [
          { type: 'text', text: "I'll check the weather for you." },
          {
            type: 'tool_use',
            tool_use_id: 'toolu_FIXTURE0000000000000',
            tool_name: 'get_weather',
            tool_input: { location: 'San Francisco, CA', unit: 'celsius' },
          },
        ],
        stopReason: 'tool_use',
        done: true,
        usage: { prompt_tokens: 95, completion_tokens: 40, total_tokens: 135 },
        diagnostics: [],
      },
      {
        file: 'anthropic/messages_thinking.sse',
        contentType: SSE,
        model: 'claude-opus-4-20250514',
        content: [
          { type: 'thinking', thinking: 'Let me add 2 and 2. Two plus two equals four.', thinking_signature: 'EqoBCkgIARgCIkBYp3d2' },
          { type: 'text', text: '2 + 2 = 4.' },
        ],
        stopReason: 'end_turn',
        done: true,
        usage: { prompt_tokens: 18, completion_tokens: 28, total_tokens: 46 },
        diagnostics: [],
      },
      {
        file: 'anthropic/messages_error_mid_stream.sse',
        contentType: SSE,
        model: 'claude-3-5-sonnet-20241022',
        content: [{ type: 'text', text: 'Starting to answer' }],
        stopReason: 'error',
        done: false,
        usage: { prompt_tokens: 12, total_tokens: 12 },
        diagnostics: ['upstream_error'],
      },
      {
        file: 'anthropic/messages_truncated_stream.sse',
        contentType: SSE,
        model: 'claude-3-5-sonnet-20241022',
        content: [{ type: 'text', text: 'Partial respon' }],
        stopReason: 'incomplete',
        done: false,
        usage: { prompt_tokens: 12, total_tokens: 12 },
        diagnostics: ['incomplete'],
      },
    ];

    it.each(cases)('$file reduces to its message, stop reason and usage', (c) => {
      const response = reduceFixture(c.file, c.contentType);
      expect(response.model).toBe(c.model);
      expect(response.message).toEqual({ role: 'assistant', content: c.content });
      expect(response.stop_reason).toBe(c.stopReason);
      expect(response.done).toBe(c.done);
      expect(response.usage).toEqual(c.usage);
      expect(response.id).toBe('msg_FIXTURE0000000000000000');
      expect(codes(response)).toEqual(c.diagnostics);
      expect(isComplete(response)).toBe(c.diagnostics.length === 0);
    });

    it('reports the mid-stream error with its type and message', () => {
      const response = reduceFixture('anthropic/messages_error_mid_stream.sse', SSE);
      expect(response.diagnostics[0]?.data).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    });

    it('reduces the same body identically without a content type (sniffed)', () => {
      for (const c of cases) {
        expect(reduceBody(reducer, readFixture(c.file))).toEqual(reduceFixture(c.file, c.contentType));
      }
    });
  });

  describe('the extra fixtures', () => {
    it('keeps a thinking block whose text is omitted but signed', () => {
      const response = reduceFixture('anthropic_extra/claude_code_turn.sse', SSE);
      expect(response.message.content[0]).toEqual({ type: 'thinking', thinking_signature: expect.stringMatching(/^EuYB/) });
      expect(response.message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use']);
      expect(response.message.content[3]?.tool_input).toEqual({
        command: 'npx jest -c apps/api/jest.config.cjs server --runInBand 2>&1 | tail -n 40',
        description: 'Run the server tests',
        timeout: 120000,
      });
      expect(response.usage).toEqual({
        prompt_tokens: 3 + 1204 + 14020,
        completion_tokens: 187,
        total_tokens: 3 + 1204 + 14020 + 187,
        cache_creation_input_tokens: 1204,
        cache_read_input_tokens: 14020,
      });
      expect(isComplete(response)).toBe(true);
    });

    it('keeps server tools, MCP calls, redacted thinking and citations', () => {
      const response = reduceFixture('anthropic_extra/server_tools.sse', SSE);
      const [redacted, search, results, text, mcpCall, mcpResult] = response.message.content;
      expect(redacted).toEqual({ type: 'redacted_thinking', data: { data: expect.stringMatching(/^EmwK/) } });
      expect(search).toEqual({
        type: 'server_tool_use',
        tool_use_id: 'srvtoolu_FIXTURE00000011',
        tool_name: 'web_search',
        tool_input: { query: 'go latest release' },
      });
      expect(results).toMatchObject({ type: 'web_search_tool_result', tool_result_id: 'srvtoolu_FIXTURE00000011' });
      expect(results?.data?.['content']).toHaveLength(1);
      expect(text?.text).toBe('Go 1.25.0 was released on 2025-08-12.');
      expect(text?.citations).toEqual([expect.objectContaining({ type: 'web_search_result_location', url: 'https://go.dev/doc/devel/release' })]);
      expect(mcpCall).toEqual({
        type: 'mcp_tool_use',
        tool_use_id: 'mcptoolu_FIXTURE000000011',
        tool_name: 'search_issues',
        tool_input: { label: 'capture', state: 'open' },
        data: { server_name: 'github' },
      });
      expect(mcpResult).toEqual({
        type: 'mcp_tool_result',
        tool_result_id: 'mcptoolu_FIXTURE000000011',
        data: { is_error: false, content: [{ type: 'text', text: '3 open issues labelled capture' }] },
      });
      expect(response.usage).toEqual({ prompt_tokens: 2150, completion_tokens: 512, total_tokens: 2662 });
      expect(isComplete(response)).toBe(true);
    });
  });

  describe('malformed tool input (the ref §8 inline case)', () => {
    const stream = [
      'event: message_start',
      'data: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","role":"assistant","content":[]}}',
      '',
      'event: content_block_start',
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_bad","name":"get_weather","input":{}}}',
      '',
      'event: content_block_delta',
      'data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{not valid json"}}',
      '',
      'event: content_block_stop',
      'data: {"type":"content_block_stop","index":0}',
      '',
      'event: message_delta',
      'data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":5}}',
      '',
      'event: message_stop',
      'data: {"type":"message_stop"}',
      '',
      '',
    ].join('\n');

    it('keeps the tool call without input and reports the raw text', () => {
      const response = reduceBody(reducer, stream, { contentType: SSE });
      expect(response.message.content).toEqual([{ type: 'tool_use', tool_use_id: 'toolu_bad', tool_name: 'get_weather' }]);
      expect(response.done).toBe(true);
      expect(response.diagnostics).toEqual([
        {
          code: 'tool_input_parse_error',
          detail: expect.stringContaining('toolu_bad'),
          data: { tool_use_id: 'toolu_bad', raw: '{not valid json', error: expect.any(String) },
        },
      ]);
    });
  });

  describe('bad input', () => {
    it.each([
      { name: 'binary garbage', body: Uint8Array.from([0x00, 0xff, 0xfe, 0x13, 0x88, 0x9c, 0x01, 0x02, 0xc3, 0x28, 0x80]), contentType: SSE, code: 'empty_response' },
      { name: 'binary garbage without a content type', body: Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]), contentType: undefined, code: 'empty_response' },
      { name: 'an HTML error page', body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', contentType: 'text/html', code: 'empty_response' },
      { name: 'an HTML page under an SSE content type', body: '<!DOCTYPE html><html><body>Service Unavailable</body></html>', contentType: SSE, code: 'empty_response' },
      { name: 'a JSON error body with status 200', body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', contentType: JSON_TYPE, code: 'upstream_error' },
      { name: 'a JSON error body under an SSE content type', body: '{"type":"error","error":{"type":"api_error","message":"Internal"}}', contentType: SSE, code: 'upstream_error' },
      { name: 'an empty body', body: '', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'an empty SSE body', body: '', contentType: SSE, code: 'empty_response' },
      { name: 'a whitespace-only body', body: ' \r\n\t\n', contentType: undefined, code: 'empty_response' },
      { name: 'an SSE body of comments only', body: ': keep-alive\n\n: keep-alive\n\n', contentType: SSE, code: 'empty_response' },
      { name: 'a JSON array', body: '[]', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'a JSON object that is not a message', body: '{"foo":1}', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'a JSON string', body: '"hello"', contentType: JSON_TYPE, code: 'empty_response' },
      { name: 'plain text', body: 'upstream connect error or disconnect/reset before headers', contentType: 'text/plain', code: 'empty_response' },
      { name: 'truncated JSON', body: '{"id":"msg_1","type":"message","content":[{"type":"te', contentType: JSON_TYPE, code: 'empty_response' },
    ])('$name → $code, no exception, not done', ({ body, contentType, code }) => {
      const response = reduceBody(reducer, body, { contentType });
      expect(codes(response)).toEqual([code]);
      expect(response.diagnostics[0]?.detail).not.toBe('');
      expect(response.done).toBe(false);
      expect(response.message).toEqual({ role: 'assistant', content: [] });
    });

    it('keeps the error type and message of a JSON error body', () => {
      const response = reduceFixture('anthropic_extra/error_body.json', JSON_TYPE);
      expect(response.diagnostics).toEqual([
        { code: 'upstream_error', detail: expect.stringContaining('Overloaded'), data: { type: 'overloaded_error', message: 'Overloaded' } },
      ]);
      expect(response.stop_reason).toBe('error');
    });
  });

  describe('reduceJson (ingest’s already-parsed one-shot body)', () => {
    it('gives what the byte path gives', () => {
      const bytes = readFixture('anthropic/messages_oneshot.json');
      expect(reducer.reduceJson(JSON.parse(bytes.toString('utf8')))).toEqual(reduceBody(reducer, bytes, { contentType: JSON_TYPE }));
    });

    it.each([[null], [42], [[]], [{ foo: 1 }]])('reports %j as not a Messages response', (document) => {
      const response = reducer.reduceJson(document);
      expect(codes(response)).toEqual(['empty_response']);
      expect(response.done).toBe(false);
    });
  });
});
