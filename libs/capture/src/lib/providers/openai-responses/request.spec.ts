import type { Message } from '@tapes/llm';
import { createNode, messageBucket } from '@tapes/merkle';
import { readFixture, readFixtureText } from '@tapes/testing';
import { parseRequestBody, reduceBody, RequestParseError } from '../../reducer';
import { OpenAIResponsesReducer } from './reducer';
import { parseResponsesRequest } from './request';

const messagesOf = (input: unknown): Message[] => parseResponsesRequest({ model: 'gpt-5', input }).messages;

describe('parseResponsesRequest', () => {
  describe('input', () => {
    it.each([
      ['a string → one user text message', 'Hello', [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]],
      ['absent → no messages', undefined, []],
      ['null → no messages', null, []],
      ['an empty list → no messages', [], []],
      [
        'an easy input message (role, no type) with string content',
        [{ role: 'user', content: 'Hi' }],
        [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      ],
      [
        'input_text and input_image parts',
        [
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
              { type: 'input_image', file_id: 'file-1' },
            ],
          },
        ],
        [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
              { type: 'image', data: { file_id: 'file-1' } },
            ],
          },
        ],
      ],
      [
        'an input_file part keeps its data',
        [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-2', filename: 'a.pdf' }] }],
        [{ role: 'user', content: [{ type: 'input_file', data: { file_id: 'file-2', filename: 'a.pdf' } }] }],
      ],
      [
        'system and developer messages are messages of their own',
        [
          { role: 'system', content: 'S' },
          { role: 'developer', content: [{ type: 'input_text', text: 'D' }] },
        ],
        [
          { role: 'system', content: [{ type: 'text', text: 'S' }] },
          { role: 'developer', content: [{ type: 'text', text: 'D' }] },
        ],
      ],
      [
        'a function_call_output → a tool message with a tool_result',
        [{ type: 'function_call_output', call_id: 'call_1', output: '{"temp":18}' }],
        [{ role: 'tool', content: [{ type: 'tool_result', tool_result_id: 'call_1', tool_output: '{"temp":18}' }] }],
      ],
      [
        'a custom_tool_call_output → a tool message with a tool_result',
        [{ type: 'custom_tool_call_output', call_id: 'call_2', output: 'Done!' }],
        [{ role: 'tool', content: [{ type: 'tool_result', tool_result_id: 'call_2', tool_output: 'Done!' }] }],
      ],
      [
        'an output list: text parts joined, other parts kept as data',
        [
          {
            type: 'function_call_output',
            call_id: 'call_3',
            output: [
              { type: 'input_text', text: 'a' },
              { type: 'input_image', image_url: 'https://example.com/x.png' },
              { type: 'input_text', text: 'b' },
            ],
          },
        ],
        [
          {
            role: 'tool',
            content: [{ type: 'tool_result', tool_result_id: 'call_3', tool_output: 'a\nb', data: { parts: [{ type: 'input_image', image_url: 'https://example.com/x.png' }] } }],
          },
        ],
      ],
      [
        'an output that is an object stays whole as data',
        [{ type: 'computer_call_output', call_id: 'call_4', output: { type: 'computer_screenshot', image_url: 'https://example.com/s.png' } }],
        [
          {
            role: 'tool',
            content: [{ type: 'computer_call_output', data: { call_id: 'call_4', output: { type: 'computer_screenshot', image_url: 'https://example.com/s.png' } } }],
          },
        ],
      ],
    ])('%s', (_name, input, expected) => {
      expect(messagesOf(input)).toEqual(expected);
    });

    it('groups consecutive assistant-side items into one assistant message, ended by a user or tool item', () => {
      const messages = messagesOf([
        { role: 'user', content: 'weather?' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need a tool.' }], encrypted_content: 'enc' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        { role: 'user', content: 'thanks' },
      ]);
      expect(messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Need a tool.', thinking_signature: 'enc' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', tool_use_id: 'call_1', tool_name: 'get_weather', tool_input: { city: 'Paris' } },
          ],
        },
        { role: 'tool', content: [{ type: 'tool_result', tool_result_id: 'call_1', tool_output: 'sunny' }] },
        {
          role: 'assistant',
          content: [
            { type: 'custom_tool_call', tool_use_id: 'call_2', tool_name: 'apply_patch', data: { input: '*** Begin Patch' } },
            { type: 'web_search_call', data: { id: 'ws_1', status: 'completed' } },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
      ]);
    });

    it('keeps a replayed function call with bad arguments, with the raw text', () => {
      expect(messagesOf([{ type: 'function_call', call_id: 'call_1', name: 'f', arguments: 'not json' }])).toEqual([
        { role: 'assistant', content: [{ type: 'tool_use', tool_use_id: 'call_1', tool_name: 'f', data: { arguments: 'not json' } }] },
      ]);
    });
  });

  describe('settings', () => {
    it('reads instructions as the system prompt, and the sampling settings', () => {
      const request = parseResponsesRequest({
        model: 'gpt-5',
        instructions: 'You are Codex.',
        input: 'hi',
        stream: true,
        max_output_tokens: 2048,
        temperature: 1,
        top_p: 0.98,
      });
      expect(request).toEqual({
        model: 'gpt-5',
        system: 'You are Codex.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        stream: true,
        max_tokens: 2048,
        temperature: 1,
        top_p: 0.98,
      });
    });

    it('keeps provider settings in extra, with the tool count', () => {
      const request = parseResponsesRequest({
        model: 'gpt-5',
        input: [],
        tools: [{ type: 'function', name: 'a' }, { type: 'custom', name: 'b' }, { type: 'web_search' }],
        reasoning: { effort: 'high', summary: 'auto' },
        previous_response_id: 'resp_prev',
        store: false,
        include: ['reasoning.encrypted_content'],
        prompt_cache_key: 'abc',
      });
      expect(request.extra).toEqual({
        tool_count: 3,
        reasoning: { effort: 'high', summary: 'auto' },
        previous_response_id: 'resp_prev',
        store: false,
        include: ['reasoning.encrypted_content'],
      });
    });
  });

  describe('rejects what is not a Responses request', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['a number', 3],
      ['an input that is a number', { model: 'gpt-5', input: 42 }],
      ['an input that is an object', { model: 'gpt-5', input: { role: 'user', content: 'hi' } }],
      ['an input item that is not an object', { model: 'gpt-5', input: ['hi'] }],
    ])('%s', (_name, document) => {
      expect(() => parseResponsesRequest(document)).toThrow(RequestParseError);
    });

    it('rejects a body that is not JSON through parseRequestBody', () => {
      expect(() => parseRequestBody(new OpenAIResponsesReducer(), 'input=hi')).toThrow(RequestParseError);
    });
  });

  it('parses the replay of a response into the same node as the response itself', () => {
    const reducer = new OpenAIResponsesReducer();
    const response = reduceBody(reducer, readFixture('openai_responses/reasoning_stream.sse'), { contentType: 'text/event-stream' });
    // The next request replays the response's output items verbatim (as Codex does with store: false).
    const output = (JSON.parse(readFixtureText('openai_responses/reasoning_oneshot.json')) as { output: unknown[] }).output;
    const [replay] = messagesOf(output);
    const hash = (message: Message): string => createNode(messageBucket(message, { model: 'o4-mini-2025-04-16', provider: 'openai' }), null).hash;
    expect(replay).toBeDefined();
    expect(hash(replay!)).toBe(hash(response.message));
  });
});
