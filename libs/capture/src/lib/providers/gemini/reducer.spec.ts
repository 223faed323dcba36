import type { ChatResponse } from '@tapes/llm';
import { readFixture } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { GeminiGenerateContentReducer } from './reducer';

const reducer = new GeminiGenerateContentReducer();
const SSE = 'text/event-stream';
const JSON_TYPE = 'application/json; charset=UTF-8';

/** An SSE body of the given GenerateContentResponse chunks. */
function sse(...chunks: unknown[]): string {
  return chunks.map((chunk) => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`).join('');
}

/** A chunk whose candidate 0 carries `parts` (and `finishReason` when given). */
function chunk(parts: unknown[], finishReason?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { candidates: [{ content: { role: 'model', parts }, ...(finishReason ? { finishReason } : {}) }], modelVersion: 'gemini-2.5-flash', ...extra };
}

const stream = (...chunks: unknown[]): ChatResponse => reduceBody(reducer, sse(...chunks), { contentType: SSE });
const oneShot = (body: unknown): ChatResponse => reduceBody(reducer, JSON.stringify(body), { contentType: JSON_TYPE });
const codes = (response: ChatResponse): string[] => response.diagnostics.map((d) => d.code);

describe('GeminiGenerateContentReducer', () => {
  it.each([
    ['/v1beta/models/gemini-2.5-flash:generateContent', true],
    ['/v1beta/models/gemini-2.5-flash:streamGenerateContent', true],
    ['/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', true],
    ['/v1/models/gemini-2.5-pro:generateContent', true],
    ['/v1beta/tunedModels/my-model-7:generateContent', true],
    ['/v1beta/models/gemini-2.5-flash:countTokens', false],
    ['/v1beta/models/text-embedding-004:embedContent', false],
    ['/v1beta/models/gemini-2.5-flash:batchGenerateContent', false],
    ['/v1beta/models', false],
    ['/v1beta/models/gemini-2.5-flash', false],
  ])('handlesPath(%s) is %s: only the two turn endpoints', (path, expected) => {
    expect(reducer.handlesPath(path)).toBe(expected);
  });

  it.each([
    ['gemini/text_stream.sse', SSE],
    ['gemini/text_oneshot.json', JSON_TYPE],
    ['gemini/text_array_stream.json', JSON_TYPE],
  ])('reduces the text turn in %s to its message, stop reason, usage and id', (file, contentType) => {
    const response = reduceBody(reducer, readFixture(file), { contentType });
    expect(response).toEqual({
      model: 'gemini-2.5-flash',
      message: { role: 'assistant', content: [{ type: 'text', text: 'Hello! How can I help you today?' }] },
      done: true,
      stop_reason: 'stop',
      usage: { prompt_tokens: 1893, completion_tokens: 9, total_tokens: 1902 },
      id: 'FIXTUREresp00000000000001',
      diagnostics: [],
    });
  });

  it('keeps a thought signature on a function call, and only on the call that carried it', () => {
    const response = reduceBody(reducer, readFixture('gemini/function_call_stream.sse'), { contentType: SSE });
    const [text, first, second] = response.message.content;
    expect(text).toEqual({ type: 'text', text: "I'll read both files first." });
    expect(first).toMatchObject({ type: 'tool_use', tool_name: 'read_file', tool_input: { absolute_path: '/home/dev/tapes-demo/src/greet.ts' } });
    expect(first?.thinking_signature).toMatch(/^CiQB/);
    expect(second).toEqual({ type: 'tool_use', tool_name: 'read_file', tool_input: { absolute_path: '/home/dev/tapes-demo/src/greet.spec.ts' } });
  });

  it('counts thinking tokens into the completion and as reasoning, and cached ones as cache reads', () => {
    const response = reduceBody(reducer, readFixture('gemini/function_call_oneshot.json'), { contentType: JSON_TYPE });
    expect(response.usage).toEqual({ prompt_tokens: 9841, completion_tokens: 212, total_tokens: 10053, reasoning_tokens: 148, cache_read_input_tokens: 8120 });
  });

  it('reduces thought parts to a thinking block and keeps the signature streamed last on the text block', () => {
    const response = reduceBody(reducer, readFixture('gemini/thinking_stream.sse'), { contentType: SSE });
    expect(response.message.content).toEqual([
      { type: 'thinking', thinking: '**Multiplying the numbers**\n\nI need 17 × 23. 17 × 20 = 340 and 17 × 3 = 51, so the product is 391.' },
      { type: 'text', text: '17 × 23 = **391**.', thinking_signature: 'CtwBAVSoXO5FIXTURE/c2lnbmF0dXJlLTI+EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=' },
    ]);
  });

  it('keeps a thought signature on a text part', () => {
    const response = oneShot(chunk([{ text: 'Done.', thoughtSignature: 'c2ln' }], 'STOP'));
    expect(response.message.content).toEqual([{ type: 'text', text: 'Done.', thinking_signature: 'c2ln' }]);
  });

  it('keeps a thought part that carries only a signature as a thinking block', () => {
    const response = stream(chunk([{ text: 'Planning.', thought: true }]), chunk([{ thought: true, thoughtSignature: 'c2ln' }]), chunk([{ text: 'Hi.' }], 'STOP'));
    expect(response.message.content).toEqual([
      { type: 'thinking', thinking: 'Planning.', thinking_signature: 'c2ln' },
      { type: 'text', text: 'Hi.' },
    ]);
  });

  it('starts a new block when a second signature arrives for a block that has one', () => {
    const response = stream(chunk([{ text: 'One.', thoughtSignature: 'c2lnMQ==' }]), chunk([{ text: 'Two.', thoughtSignature: 'c2lnMg==' }], 'STOP'));
    expect(response.message.content).toEqual([
      { type: 'text', text: 'One.', thinking_signature: 'c2lnMQ==' },
      { type: 'text', text: 'Two.', thinking_signature: 'c2lnMg==' },
    ]);
  });

  it('reads the "skip_thought_signature_validator" literal as no signature', () => {
    const response = oneShot(chunk([{ functionCall: { name: 'glob', args: { pattern: '*' } }, thoughtSignature: 'skip_thought_signature_validator' }], 'STOP'));
    expect(response.message.content).toEqual([{ type: 'tool_use', tool_name: 'glob', tool_input: { pattern: '*' } }]);
  });

  it('takes a function call id as the tool_use_id, and derives none when Gemini sends none', () => {
    const response = oneShot(
      chunk(
        [
          { functionCall: { id: 'fc-1', name: 'read_file', args: { absolute_path: '/a' } } },
          { functionCall: { name: 'list', args: {} } },
        ],
        'STOP',
      ),
    );
    expect(response.message.content).toEqual([
      { type: 'tool_use', tool_use_id: 'fc-1', tool_name: 'read_file', tool_input: { absolute_path: '/a' } },
      { type: 'tool_use', tool_name: 'list' },
    ]);
  });

  it('reports function call args that are not an object and keeps the call without input', () => {
    const response = oneShot(chunk([{ functionCall: { name: 'f', args: [1, 2] } }], 'STOP'));
    expect(response.message.content).toEqual([{ type: 'tool_use', tool_name: 'f' }]);
    expect(response.diagnostics).toEqual([expect.objectContaining({ code: 'tool_input_parse_error', data: expect.objectContaining({ tool_name: 'f', raw: '[1,2]' }) })]);
  });

  it('maps an inline image to an image block and keeps other media and code parts under their proto names', () => {
    const response = oneShot(
      chunk(
        [
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
          { executableCode: { language: 'PYTHON', code: 'print(1)' } },
          { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1\n' } },
        ],
        'STOP',
      ),
    );
    expect(response.message.content).toEqual([
      { type: 'image', image_base64: 'iVBORw0KGgo=', media_type: 'image/png' },
      { type: 'inline_data', data: { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } } },
      { type: 'executable_code', data: { executableCode: { language: 'PYTHON', code: 'print(1)' } } },
      { type: 'code_execution_result', data: { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1\n' } } },
    ]);
    expect(response.diagnostics).toEqual([]);
  });

  it('lower-cases the finish reason and calls a MAX_TOKENS turn complete', () => {
    const response = reduceBody(reducer, readFixture('gemini/max_tokens_stream.sse'), { contentType: SSE });
    expect(response.stop_reason).toBe('max_tokens');
    expect(response.done).toBe(true);
    expect(response.diagnostics).toEqual([]);
  });

  it('ends a turn whose prompt was blocked, with no candidate, as prompt_<reason>', () => {
    const response = oneShot({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 }, modelVersion: 'gemini-2.5-flash' });
    expect(response).toMatchObject({ done: true, stop_reason: 'prompt_safety', message: { role: 'assistant', content: [] }, diagnostics: [] });
  });

  it.each([
    ['an error body', 'gemini/error_body.json', JSON_TYPE, ''],
    ['an error chunk mid-stream', 'gemini/error_mid_stream.sse', SSE, 'A Merkle DAG is a directed acyclic graph whose nodes are named by the hash of'],
  ])('reports %s as upstream_error: not done, stop reason error, text so far kept', (_name, file, contentType, text) => {
    const response = reduceBody(reducer, readFixture(file), { contentType });
    expect(codes(response)).toEqual(['upstream_error']);
    expect(response.done).toBe(false);
    expect(response.stop_reason).toBe('error');
    expect(response.message.content).toEqual(text ? [{ type: 'text', text }] : []);
    expect(response.diagnostics[0]?.data?.['error']).toMatchObject({ code: expect.any(Number), status: expect.any(String) });
  });

  it('reads an error element of a JSON-array stream as upstream_error', () => {
    const response = reduceBody(reducer, JSON.stringify([{ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' } }]), { contentType: JSON_TYPE });
    expect(codes(response)).toEqual(['upstream_error']);
    expect(response.diagnostics[0]?.detail).toContain('400 INVALID_ARGUMENT: API key not valid.');
  });

  it('marks a stream that ended without a finishReason incomplete, keeping its text and usage', () => {
    const response = reduceBody(reducer, readFixture('gemini/truncated_stream.sse'), { contentType: SSE });
    expect(response).toMatchObject({ done: false, stop_reason: 'incomplete', usage: { prompt_tokens: 11, completion_tokens: 12 } });
    expect(codes(response)).toEqual(['incomplete']);
  });

  it('reports a chunk that is not JSON and keeps reducing the rest', () => {
    const response = stream(chunk([{ text: 'a' }]), '{"candidates": [', chunk([{ text: 'b' }], 'STOP'));
    expect(response.message.content).toEqual([{ type: 'text', text: 'ab' }]);
    expect(codes(response)).toEqual(['parse_error']);
    expect(response.done).toBe(true);
  });

  it("counts a chunk with none of a response's fields as unknown_event", () => {
    expect(codes(stream({ hello: 1 }, chunk([{ text: 'x' }], 'STOP')))).toEqual(['unknown_event']);
  });

  it('keeps candidate 0 as the message and counts the others as extra_choices', () => {
    const body = { candidates: [{ content: { role: 'model', parts: [{ text: 'Heads.' }] }, finishReason: 'STOP' }, { index: 1, content: { role: 'model', parts: [{ text: 'Tails.' }] }, finishReason: 'STOP' }] };
    const response = oneShot(body);
    expect(response.message.content).toEqual([{ type: 'text', text: 'Heads.' }]);
    expect(response.diagnostics).toEqual([expect.objectContaining({ code: 'extra_choices', data: { count: 1, indices: [1] } })]);
  });

  it.each([
    ['an empty event stream', '', SSE],
    ['an empty JSON array', '[]', JSON_TYPE],
    ['JSON that is not a response', '{"kind": "something else"}', JSON_TYPE],
  ])('reports %s as empty_response', (_name, body, contentType) => {
    const response = reduceBody(reducer, body, { contentType });
    expect(codes(response)).toContain('empty_response');
    expect(response.done).toBe(false);
  });

  it('reduces the parsed form (ingest) of a one-shot body and of a JSON-array stream alike', () => {
    const oneShotDocument = JSON.parse(readFixture('gemini/text_oneshot.json').toString('utf8')) as unknown;
    const arrayDocument = JSON.parse(readFixture('gemini/text_array_stream.json').toString('utf8')) as unknown;
    expect(reducer.reduceJson(arrayDocument)).toEqual(reducer.reduceJson(oneShotDocument));
    expect(reducer.reduceJson(oneShotDocument).done).toBe(true);
  });
});
