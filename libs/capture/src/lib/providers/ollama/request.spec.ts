import type { Message } from '@tapes/llm';
import { parseRequestBody, RequestParseError } from '../../reducer';
import { OllamaChatReducer } from './reducer';
import { OLLAMA_STREAMS_BY_DEFAULT, parseOllamaRequest } from './request';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';

describe('parseOllamaRequest messages', () => {
  it.each<{ name: string; wire: Record<string, unknown>; message: Message }>([
    { name: 'text', wire: { role: 'user', content: 'hi' }, message: { role: 'user', content: [{ type: 'text', text: 'hi' }] } },
    // Go compatibility (ref §3.2): empty content is no block at all, so such nodes hash as in tapes.
    { name: 'empty content', wire: { role: 'assistant', content: '' }, message: { role: 'assistant', content: [] } },
    { name: 'no content', wire: { role: 'assistant' }, message: { role: 'assistant', content: [] } },
    {
      name: 'images after the text',
      wire: { role: 'user', content: 'What is this?', images: [PNG, 'aGVsbG8='] },
      message: {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', image_base64: PNG },
          { type: 'image', image_base64: 'aGVsbG8=' },
        ],
      },
    },
    {
      name: 'thinking before the text, tool calls last',
      wire: {
        role: 'assistant',
        content: 'Let me check.',
        thinking: 'The user wants the weather.',
        tool_calls: [{ id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }, { function: { name: 'get_time', arguments: {} } }],
      },
      message: {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The user wants the weather.' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', tool_use_id: 'call_1', tool_name: 'get_weather', tool_input: { city: 'Paris' } },
          { type: 'tool_use', tool_name: 'get_time', tool_input: {} },
        ],
      },
    },
    {
      name: 'a tool call whose arguments are unreadable (kept, without input)',
      wire: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: 'not json' } }] },
      message: { role: 'assistant', content: [{ type: 'tool_use', tool_name: 'f' }] },
    },
    {
      name: 'a tool result with its tool name and call id',
      wire: { role: 'tool', content: '18°C, light rain', tool_name: 'get_weather', tool_call_id: 'call_1' },
      message: { role: 'tool', content: [{ type: 'tool_result', tool_output: '18°C, light rain', tool_name: 'get_weather', tool_result_id: 'call_1' }] },
    },
    {
      name: 'a tool result from an older client (content only)',
      wire: { role: 'tool', content: '{"temp":18}' },
      message: { role: 'tool', content: [{ type: 'tool_result', tool_output: '{"temp":18}' }] },
    },
    {
      name: 'a tool result carrying an image',
      wire: { role: 'tool', content: 'screenshot', tool_name: 'screenshot', images: [PNG] },
      message: {
        role: 'tool',
        content: [
          { type: 'tool_result', tool_output: 'screenshot', tool_name: 'screenshot' },
          { type: 'image', image_base64: PNG },
        ],
      },
    },
    {
      name: 'fields of the wrong type, skipped',
      wire: { role: 7, content: ['parts'], images: [1, PNG], tool_calls: ['x'] },
      message: { role: '', content: [{ type: 'image', image_base64: PNG }] },
    },
  ])('$name', ({ wire, message }) => {
    expect(parseOllamaRequest({ model: 'm', messages: [wire] }).messages).toEqual([message]);
  });
});

describe('parseOllamaRequest settings', () => {
  it('maps options to first-class fields and keeps the rest in extra', () => {
    const request = parseOllamaRequest({
      model: 'qwen3:8b',
      messages: [],
      stream: false,
      format: 'json',
      keep_alive: '10m',
      think: true,
      tools: [{ type: 'function', function: { name: 'a' } }, { type: 'function', function: { name: 'b' } }],
      options: { temperature: 0.2, top_p: 0.9, top_k: 40, seed: 42, num_predict: 256, stop: ['</s>', 7], num_ctx: 8192, repeat_penalty: 1.1, repeat_last_n: 64, min_p: 0.05, num_gpu: 1 },
    });
    expect(request).toEqual({
      model: 'qwen3:8b',
      messages: [],
      stream: false,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 42,
      max_tokens: 256,
      stop: ['</s>'],
      extra: { format: 'json', keep_alive: '10m', think: true, tool_count: 2, num_ctx: 8192, repeat_penalty: 1.1, repeat_last_n: 64, options: { min_p: 0.05, num_gpu: 1 } },
    });
  });

  it('takes a single stop string as a one-element list', () => {
    expect(parseOllamaRequest({ messages: [], options: { stop: 'END' } }).stop).toEqual(['END']);
  });

  it('keeps a structured output schema given as format', () => {
    const format = { type: 'object', properties: { answer: { type: 'number' } } };
    expect(parseOllamaRequest({ messages: [], format }).extra).toEqual({ format });
  });

  it('records stream only when it was sent; Ollama streams when it is absent', () => {
    expect(OLLAMA_STREAMS_BY_DEFAULT).toBe(true);
    expect(parseOllamaRequest({ model: 'llama3.2', messages: [] })).toEqual({ model: 'llama3.2', messages: [] });
    expect(parseOllamaRequest({ model: 'llama3.2', messages: [], stream: true }).stream).toBe(true);
  });

  it.each([{ messages: null }, {}])('reads %p as an empty conversation', (document) => {
    expect(parseOllamaRequest(document).messages).toEqual([]);
  });
});

describe('parseOllamaRequest refusals', () => {
  it.each([
    { name: 'a JSON array', document: [{ role: 'user', content: 'hi' }] },
    { name: 'a string', document: 'hello' },
    { name: 'null', document: null },
    { name: 'messages as an object', document: { messages: { role: 'user' } } },
    { name: 'messages as a string', document: { messages: 'hi' } },
    { name: 'a message that is not an object', document: { messages: [{ role: 'user', content: 'a' }, 'b'] } },
  ])('refuses $name with RequestParseError', ({ document }) => {
    expect(() => parseOllamaRequest(document)).toThrow(RequestParseError);
  });

  it('says which message is not an object', () => {
    expect(() => parseOllamaRequest({ messages: [{}, 3] })).toThrow('messages[1] is not an object');
  });

  it('parses request bytes through the reducer', () => {
    const request = parseRequestBody(new OllamaChatReducer(), Buffer.from(JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })));
    expect(request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });
});
