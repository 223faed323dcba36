import type { ChatRequest, Message } from '@tapes/llm';
import { createNode, messageBucket } from '@tapes/merkle';
import { readFixture } from '@tapes/testing';
import { parseRequestBody, reduceBody, RequestParseError } from '../../reducer';
import { parseChatCompletionsRequest } from './request';
import { OpenAIChatReducer } from './reducer';

const parse = (messages: unknown[], rest: Record<string, unknown> = {}): ChatRequest => parseChatCompletionsRequest({ model: 'gpt-4o', messages, ...rest });
const only = (message: unknown): Message | undefined => parse([message]).messages[0];

describe('parseChatCompletionsRequest', () => {
  describe('messages', () => {
    it.each([
      ['string content → one text block', { role: 'user', content: 'hi' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      ['an empty string is still a text block', { role: 'user', content: '' }, { role: 'user', content: [{ type: 'text', text: '' }] }],
      ['null content → no blocks', { role: 'assistant', content: null }, { role: 'assistant', content: [] }],
      ['absent content → no blocks', { role: 'assistant' }, { role: 'assistant', content: [] }],
      ['system role', { role: 'system', content: 'Be brief.' }, { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] }],
      ['developer role', { role: 'developer', content: [{ type: 'text', text: 'Rules' }] }, { role: 'developer', content: [{ type: 'text', text: 'Rules' }] }],
      [
        'text and image_url parts (detail not kept, as tapes #192)',
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', image_url: 'https://example.com/cat.png' },
          ],
        },
      ],
      [
        'input_audio and file parts keep their data',
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-1' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'input_audio', data: { input_audio: { data: 'UklGRg==', format: 'wav' } } },
            { type: 'file', data: { file: { file_id: 'file-1' } } },
          ],
        },
      ],
      [
        'assistant tool_calls → tool_use blocks after the content',
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } }],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', tool_use_id: 'call_1', tool_name: 'get_weather', tool_input: { location: 'SF' } },
          ],
        },
      ],
      [
        'a tool call with bad arguments is kept with the raw text (tapes #192 dropped it)',
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', tool_use_id: 'call_2', tool_name: 'f', data: { arguments: '{oops' } }] },
      ],
      [
        'a custom tool call keeps its freeform input',
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_3', type: 'custom', custom: { name: 'sql', input: 'SELECT 1' } }] },
        { role: 'assistant', content: [{ type: 'custom_tool_call', tool_use_id: 'call_3', tool_name: 'sql', data: { input: 'SELECT 1' } }] },
      ],
      [
        'an assistant refusal',
        { role: 'assistant', content: null, refusal: 'I cannot.' },
        { role: 'assistant', content: [{ type: 'refusal', text: 'I cannot.' }] },
      ],
      [
        'a tool message → one tool_result with the string output',
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'tool', content: [{ type: 'tool_result', tool_result_id: 'call_1', tool_output: '18°C' }] },
      ],
      [
        'a tool message with text parts → their text joined by newlines',
        {
          role: 'tool',
          tool_call_id: 'call_1',
          content: [
            { type: 'text', text: 'line 1' },
            { type: 'text', text: 'line 2' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool_result', tool_result_id: 'call_1', tool_output: 'line 1\nline 2' }] },
      ],
      ['a tool message with empty output', { role: 'tool', tool_call_id: 'call_1', content: '' }, { role: 'tool', content: [{ type: 'tool_result', tool_result_id: 'call_1' }] }],
    ])('%s', (_name, message, expected) => {
      expect(only(message)).toEqual(expected);
    });

    it('keeps every message in order', () => {
      const roles = parse([
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        { role: 'assistant', content: 'a' },
        { role: 'tool', tool_call_id: 'c', content: 't' },
      ]).messages.map((m) => m.role);
      expect(roles).toEqual(['system', 'user', 'assistant', 'tool']);
    });
  });

  describe('settings', () => {
    it('reads model, stream, sampling settings, stop and seed', () => {
      const request = parse([], { stream: true, max_tokens: 100, temperature: 0.2, top_p: 0.9, seed: 7, stop: ['END', 'STOP'] });
      expect(request).toEqual({ model: 'gpt-4o', messages: [], stream: true, max_tokens: 100, temperature: 0.2, top_p: 0.9, seed: 7, stop: ['END', 'STOP'] });
    });

    it.each([
      ['a string stop becomes a list', { stop: 'END' }, ['END']],
      ['a null stop is none', { stop: null }, undefined],
    ])('%s', (_name, settings, stop) => {
      expect(parse([], settings).stop).toEqual(stop);
    });

    it('prefers max_completion_tokens to max_tokens', () => {
      expect(parse([], { max_completion_tokens: 500, max_tokens: 100 }).max_tokens).toBe(500);
    });

    it('keeps provider settings in extra, with the tool count', () => {
      const request = parse([], {
        frequency_penalty: 0.5,
        presence_penalty: 0,
        response_format: { type: 'json_object' },
        stream_options: { include_usage: true },
        reasoning_effort: 'high',
        tools: [{ type: 'function', function: { name: 'a' } }, { type: 'function', function: { name: 'b' } }],
        user: 'someone',
      });
      expect(request.extra).toEqual({
        frequency_penalty: 0.5,
        presence_penalty: 0,
        response_format: { type: 'json_object' },
        stream_options: { include_usage: true },
        reasoning_effort: 'high',
        tool_count: 2,
      });
    });

    it('has no extra when there is nothing to keep', () => {
      expect(parse([]).extra).toBeUndefined();
    });
  });

  describe('rejects what is not a Chat Completions request', () => {
    it.each([
      ['null', null],
      ['an array', [{ role: 'user', content: 'hi' }]],
      ['a string', 'hello'],
      ['an object without messages', { model: 'gpt-4o', input: 'hi' }],
      ['messages that are not an array', { model: 'gpt-4o', messages: 'hi' }],
      ['a message that is not an object', { model: 'gpt-4o', messages: ['hi'] }],
    ])('%s', (_name, document) => {
      expect(() => parseChatCompletionsRequest(document)).toThrow(RequestParseError);
    });

    it('rejects a body that is not JSON through parseRequestBody', () => {
      expect(() => parseRequestBody(new OpenAIChatReducer(), '{"messages": [')).toThrow(RequestParseError);
    });
  });

  it('parses a replayed assistant message into the same node as the response it came from', () => {
    const reducer = new OpenAIChatReducer();
    const response = reduceBody(reducer, readFixture('openai_chat/tool_call_stream.sse'), { contentType: 'text/event-stream' });
    const replay = only({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_FIXTURE000000000000000001', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
    });
    const hash = (message: Message): string => createNode(messageBucket(message, { model: 'gpt-4o-mini-2024-07-18', provider: 'openai' }), null).hash;
    expect(replay).toBeDefined();
    expect(hash(replay!)).toBe(hash(response.message));
  });
});
