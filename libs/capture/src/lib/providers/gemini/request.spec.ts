import { createNode, messageBucket } from '@tapes/merkle';
import type { Message } from '@tapes/llm';
import { RequestParseError, reduceBody } from '../../reducer';
import { GeminiGenerateContentReducer } from './reducer';
import { modelFromPath, parseGeminiRequest } from './request';

const STREAM_PATH = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
const user = (text: string): Record<string, unknown> => ({ role: 'user', parts: [{ text }] });

describe('parseGeminiRequest', () => {
  it.each([
    [STREAM_PATH, 'gemini-2.5-flash', 'streamGenerateContent'],
    ['/v1beta/models/gemini-2.5-flash-lite:generateContent', 'gemini-2.5-flash-lite', 'generateContent'],
    ['/v1/models/gemini-2.5-pro:streamGenerateContent', 'gemini-2.5-pro', 'streamGenerateContent'],
    ['/v1beta/tunedModels/sentiment-7:generateContent', 'tunedModels/sentiment-7', 'generateContent'],
    ['/agents/cli/v1beta/models/gemini-2.5-flash:generateContent?key=%5Bredacted%5D', 'gemini-2.5-flash', 'generateContent'],
    ['/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent', 'gemini-2.5-pro', 'generateContent'],
    ['/v1beta/models/gemini%2D2.5-flash:generateContent', 'gemini-2.5-flash', 'generateContent'],
  ])('takes the model from the path %s', (path, model, verb) => {
    expect(modelFromPath(path)).toEqual({ model, verb });
    expect(parseGeminiRequest({ contents: [user('hi')] }, { path }).model).toBe(model);
  });

  it('falls back to a body model without its models/ prefix when no path names one', () => {
    expect(parseGeminiRequest({ model: 'models/gemini-2.5-flash', contents: [] }).model).toBe('gemini-2.5-flash');
    expect(parseGeminiRequest({ contents: [] }, { path: '/v1beta/cachedContents' }).model).toBe('');
  });

  it('records stream from the verb: true for streamGenerateContent, false for generateContent', () => {
    expect(parseGeminiRequest({ contents: [] }, { path: STREAM_PATH }).stream).toBe(true);
    expect(parseGeminiRequest({ contents: [] }, { path: '/v1beta/models/m:generateContent' }).stream).toBe(false);
    expect(parseGeminiRequest({ contents: [] }).stream).toBeUndefined();
  });

  it('names the model turn assistant and a content without a role user', () => {
    const request = parseGeminiRequest({ contents: [{ parts: [{ text: 'hi' }] }, { role: 'model', parts: [{ text: 'hello' }] }] }, { path: STREAM_PATH });
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
    ]);
  });

  it('maps a replayed function call and the user function response, ids included', () => {
    const request = parseGeminiRequest(
      {
        contents: [
          user('List src.'),
          { role: 'model', parts: [{ functionCall: { id: 'call-1', name: 'glob', args: { pattern: 'src/**' } }, thoughtSignature: 'c2lnLTE=' }] },
          { role: 'user', parts: [{ functionResponse: { id: 'call-1', name: 'glob', response: { output: 'a.ts' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { error: 'ENOENT' } } }] },
        ],
      },
      { path: STREAM_PATH },
    );
    expect(request.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', tool_use_id: 'call-1', tool_name: 'glob', tool_input: { pattern: 'src/**' }, thinking_signature: 'c2lnLTE=' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_result_id: 'call-1', tool_name: 'glob', tool_output: '{"output":"a.ts"}' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_name: 'read_file', tool_output: '{"error":"ENOENT"}', is_error: true }] },
    ]);
  });

  it('hashes a call replayed with the "skip_thought_signature_validator" literal as the unsigned call Gemini returned', () => {
    const reducer = new GeminiGenerateContentReducer();
    const call = { functionCall: { name: 'glob', args: { pattern: 'src/**' } } };
    const response = reduceBody(reducer, JSON.stringify({ candidates: [{ content: { role: 'model', parts: [call] }, finishReason: 'STOP' }], modelVersion: 'gemini-2.5-flash' }), {
      contentType: 'application/json',
    });
    const request = parseGeminiRequest({ contents: [user('List src.'), { role: 'model', parts: [{ ...call, thoughtSignature: 'skip_thought_signature_validator' }] }] }, { path: STREAM_PATH });
    const hash = (message: Message, model: string): string => createNode(messageBucket(message, { model, provider: 'gemini' }), null).hash;
    expect(hash(request.messages[1]!, request.model)).toBe(hash(response.message, response.model));
  });

  it('joins the text parts of a replayed model turn, as a streamed response is joined, but keeps user parts apart', () => {
    const request = parseGeminiRequest({
      contents: [
        { role: 'user', parts: [{ text: 'Read @src/a.ts.' }, { text: '\n--- Content from referenced files ---' }] },
        { role: 'model', parts: [{ text: 'It exports ' }, { text: 'a greeting.' }, { text: '', thoughtSignature: 'c2ln' }] },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Read @src/a.ts.' }, { type: 'text', text: '\n--- Content from referenced files ---' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It exports a greeting.', thinking_signature: 'c2ln' }] },
    ]);
  });

  it('keeps the system instruction as system, not as a message', () => {
    const request = parseGeminiRequest({ systemInstruction: { role: 'user', parts: [{ text: 'Be brief.' }, { text: 'Use tools.' }] }, contents: [user('hi')] });
    expect(request.system).toBe('Be brief.\nUse tools.');
    expect(request.messages).toHaveLength(1);
  });

  it('maps generationConfig to the canonical settings and keeps the rest, thinkingConfig and responseJsonSchema included', () => {
    const schema = { type: 'object', properties: { model_choice: { type: 'string', enum: ['flash', 'pro'] } } };
    const request = parseGeminiRequest({
      contents: [user('hi')],
      generationConfig: {
        temperature: 0.2,
        topP: 0.95,
        topK: 40,
        seed: 7,
        maxOutputTokens: 1024,
        stopSequences: ['END'],
        thinkingConfig: { thinkingBudget: 512, includeThoughts: true },
        responseMimeType: 'application/json',
        responseJsonSchema: schema,
      },
    });
    expect(request).toMatchObject({ temperature: 0.2, top_p: 0.95, top_k: 40, seed: 7, max_tokens: 1024, stop: ['END'] });
    expect(request.extra?.['generation_config']).toEqual({ thinkingConfig: { thinkingBudget: 512, includeThoughts: true }, responseMimeType: 'application/json', responseJsonSchema: schema });
  });

  it('lists the offered function names and built-in tools, and keeps toolConfig', () => {
    const request = parseGeminiRequest({
      contents: [user('hi')],
      tools: [{ functionDeclarations: [{ name: 'read_file' }, { name: 'glob' }] }, { googleSearch: {} }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });
    expect(request.extra).toEqual({ tool_names: ['read_file', 'glob'], builtin_tools: ['googleSearch'], tool_config: { functionCallingConfig: { mode: 'AUTO' } } });
  });

  it('reads the snake_case spelling of Google REST examples as the camelCase one', () => {
    const camel = {
      systemInstruction: { parts: [{ text: 'sys' }] },
      contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }, { text: 'What is this?' }] }],
      tools: [{ functionDeclarations: [{ name: 'f' }] }],
      generationConfig: { maxOutputTokens: 64, thinkingConfig: { thinkingBudget: 0 } },
    };
    const snake = {
      system_instruction: { parts: [{ text: 'sys' }] },
      contents: [{ role: 'user', parts: [{ inline_data: { mime_type: 'image/png', data: 'AAAA' } }, { text: 'What is this?' }] }],
      tools: [{ function_declarations: [{ name: 'f' }] }],
      generation_config: { max_output_tokens: 64, thinking_config: { thinking_budget: 0 } },
    };
    const fromSnake = parseGeminiRequest(snake, { path: STREAM_PATH });
    const fromCamel = parseGeminiRequest(camel, { path: STREAM_PATH });
    expect(fromSnake.messages).toEqual(fromCamel.messages);
    expect(fromSnake.messages[0]?.content[0]).toEqual({ type: 'image', image_base64: 'AAAA', media_type: 'image/png' });
    expect(fromSnake).toMatchObject({ system: 'sys', max_tokens: 64, extra: { tool_names: ['f'] } });
  });

  it.each([
    ['a document that is not an object', []],
    ['contents that is not a list', { contents: { role: 'user' } }],
    ['a content that is not an object', { contents: ['hi'] }],
  ])('refuses %s', (_name, document) => {
    expect(() => parseGeminiRequest(document)).toThrow(RequestParseError);
  });

  it('reads an absent contents as an empty conversation', () => {
    expect(parseGeminiRequest({}, { path: STREAM_PATH }).messages).toEqual([]);
  });
});
