import type { ContentBlock } from '@tapes/llm';
import { parseRequestBody, RequestParseError } from '../../reducer';
import { AnthropicMessagesReducer } from './reducer';
import { parseAnthropicRequest } from './request';

const reducer = new AnthropicMessagesReducer();

/** The blocks of a one-message request whose content is `content`. */
function blocksOf(content: unknown): ContentBlock[] {
  return parseAnthropicRequest({ model: 'claude-x', messages: [{ role: 'user', content }] }).messages[0]?.content ?? [];
}

describe('parseAnthropicRequest', () => {
  it('reads the request fields', () => {
    const request = parseAnthropicRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['###', 'END'],
      stream: true,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop: ['###', 'END'],
      stream: true,
      system: 'You are terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    });
  });

  it('joins the text blocks of a block-form system prompt with newlines', () => {
    const request = parseAnthropicRequest({
      system: [
        { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
        { type: 'text', text: '' },
        { type: 'text', text: 'Be concise.', cache_control: { type: 'ephemeral' } },
      ],
    });
    expect(request.system).toBe("You are Claude Code, Anthropic's official CLI for Claude.\nBe concise.");
  });

  it('keeps tool choice, thinking config, metadata and the names of offered tools in extra', () => {
    const request = parseAnthropicRequest({
      model: 'claude-x',
      messages: [],
      metadata: { user_id: 'user_abc' },
      tool_choice: { type: 'auto' },
      thinking: { type: 'enabled', budget_tokens: 31999 },
      tools: [{ name: 'Read', input_schema: {} }, { name: 'Bash', input_schema: {} }, { type: 'web_search_20250305', name: 'web_search' }],
    });
    expect(request.extra).toEqual({
      metadata: { user_id: 'user_abc' },
      tool_choice: { type: 'auto' },
      thinking: { type: 'enabled', budget_tokens: 31999 },
      tool_names: ['Read', 'Bash', 'web_search'],
    });
  });

  it('is lenient like tapes: no messages is an empty conversation, wrong-typed fields are left out', () => {
    expect(parseAnthropicRequest({})).toEqual({ model: '', messages: [] });
    expect(parseAnthropicRequest({ model: 7, messages: null, max_tokens: '100', stream: 'yes', stop_sequences: 'END' })).toEqual({ model: '', messages: [] });
  });

  it.each([
    { name: 'null', document: null },
    { name: 'an array', document: [] },
    { name: 'a string', document: 'hello' },
    { name: 'messages as an object', document: { messages: { role: 'user' } } },
    { name: 'messages as a string', document: { messages: 'hello' } },
    { name: 'a message that is a string', document: { messages: ['hello'] } },
    { name: 'a message that is null', document: { messages: [{ role: 'user', content: 'a' }, null] } },
  ])('throws RequestParseError for $name', ({ document }) => {
    expect(() => parseAnthropicRequest(document)).toThrow(RequestParseError);
  });

  it('throws RequestParseError with the request_decode code for a body that is not JSON', () => {
    expect(() => parseRequestBody(reducer, '{"model":')).toThrow(expect.objectContaining({ code: 'request_decode' }));
  });

  it('parses request bytes through the reducer', () => {
    const request = parseRequestBody(reducer, Buffer.from(JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'ünïcode' }] })));
    expect(request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'ünïcode' }] }]);
  });

  describe('message content', () => {
    it.each<{ name: string; content: unknown; blocks: ContentBlock[] }>([
      { name: 'a string', content: 'hi', blocks: [{ type: 'text', text: 'hi' }] },
      { name: 'an empty string', content: '', blocks: [{ type: 'text' }] },
      { name: 'null', content: null, blocks: [] },
      { name: 'an empty array', content: [], blocks: [] },
      { name: 'a bare string inside the array', content: ['hi'], blocks: [{ type: 'text', text: 'hi' }] },
      {
        name: 'a text block with cache_control (dropped) and citations (kept)',
        content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' }, citations: [{ type: 'char_location', cited_text: 'h' }] }],
        blocks: [{ type: 'text', text: 'hi', citations: [{ type: 'char_location', cited_text: 'h' }] }],
      },
      {
        name: 'a base64 image',
        content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }],
        blocks: [{ type: 'image', image_base64: 'iVBORw0KGgo=', media_type: 'image/png' }],
      },
      {
        name: 'an image by URL',
        content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
        blocks: [{ type: 'image', image_url: 'https://example.com/a.png' }],
      },
      {
        name: 'an image from the Files API',
        content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }],
        blocks: [{ type: 'image', data: { source: { type: 'file', file_id: 'file_1' } } }],
      },
      {
        name: 'a document',
        content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' }, title: 'T', citations: { enabled: true }, cache_control: { type: 'ephemeral' } }],
        blocks: [{ type: 'document', data: { source: { type: 'text', media_type: 'text/plain', data: 'doc' }, title: 'T', citations: { enabled: true } } }],
      },
      {
        name: 'a tool call',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '/a' } }],
        blocks: [{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Read', tool_input: { file_path: '/a' } }],
      },
      {
        name: 'a tool call with empty input',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'Now', input: {} }],
        blocks: [{ type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Now' }],
      },
      {
        name: 'a server tool call',
        content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } }],
        blocks: [{ type: 'server_tool_use', tool_use_id: 'srvtoolu_1', tool_name: 'web_search', tool_input: { query: 'q' } }],
      },
      {
        name: 'a tool result with string content',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'file contents', cache_control: { type: 'ephemeral' } }],
        blocks: [{ type: 'tool_result', tool_result_id: 'toolu_1', tool_output: 'file contents' }],
      },
      {
        name: 'a failed tool result',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Exit code 1', is_error: true }],
        blocks: [{ type: 'tool_result', tool_result_id: 'toolu_1', tool_output: 'Exit code 1', is_error: true }],
      },
      {
        name: 'a tool result whose text parts are joined and whose image is kept',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_1',
            is_error: false,
            content: [
              { type: 'text', text: 'line one' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' }, cache_control: { type: 'ephemeral' } },
              { type: 'text', text: 'line two' },
            ],
          },
        ],
        blocks: [
          {
            type: 'tool_result',
            tool_result_id: 'toolu_1',
            tool_output: 'line one\nline two',
            data: { content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }] },
          },
        ],
      },
      {
        name: 'a tool result without content',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }],
        blocks: [{ type: 'tool_result', tool_result_id: 'toolu_1' }],
      },
      {
        name: 'thinking with its signature',
        content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }],
        blocks: [{ type: 'thinking', thinking: 'hmm', thinking_signature: 'sig' }],
      },
      {
        name: 'redacted thinking',
        content: [{ type: 'redacted_thinking', data: 'opaque' }],
        blocks: [{ type: 'redacted_thinking', data: { data: 'opaque' } }],
      },
      {
        name: 'an unknown block type',
        content: [{ type: 'container_upload', file_id: 'file_1' }],
        blocks: [{ type: 'container_upload', data: { file_id: 'file_1' } }],
      },
      { name: 'a number inside the array (skipped)', content: [42, { type: 'text', text: 'ok' }], blocks: [{ type: 'text', text: 'ok' }] },
    ])('maps $name', ({ content, blocks }) => {
      expect(blocksOf(content)).toEqual(blocks);
    });

    it('keeps roles verbatim and message order', () => {
      const request = parseAnthropicRequest({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { content: 'c' },
        ],
      });
      expect(request.messages.map((m) => m.role)).toEqual(['user', 'assistant', '']);
    });
  });
});
