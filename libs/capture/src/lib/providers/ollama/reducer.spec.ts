import fc from 'fast-check';
import type { ChatResponse, ContentBlock, Usage } from '@tapes/llm';
import { computeHash, messageBucket } from '@tapes/merkle';
import { readFixture } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { selectReducer } from '../../policy/select-reducer';
import { OllamaChatReducer } from './reducer';

const reducer = new OllamaChatReducer();
const NDJSON = 'application/x-ndjson';
const JSON_TYPE = 'application/json; charset=utf-8';

function reduceChunks(chunks: Iterable<Uint8Array | string>, contentType?: string): ChatResponse {
  const reduction = reducer.start({ contentType });
  for (const chunk of chunks) reduction.push(chunk);
  return reduction.finish();
}

function codes(response: ChatResponse): string[] {
  return response.diagnostics.map((d) => d.code);
}

const skyUsage: Usage = { prompt_tokens: 31, completion_tokens: 23, total_tokens: 54, total_duration_ns: 1843921583, prompt_duration_ns: 118204167 };
const skyText = 'The sky looks blue because air molecules scatter short blue wavelengths of sunlight far more than red ones (Rayleigh scattering).';
const thinkingBlocks: ContentBlock[] = [
  { type: 'thinking', thinking: 'Okay, the user wants 17 times 23. 17 × 20 = 340, 17 × 3 = 51, and 340 + 51 = 391.' },
  { type: 'text', text: '17 × 23 = **391**' },
];
const toolBlocks: ContentBlock[] = [
  { type: 'tool_use', tool_use_id: 'call_FIXTURE0000000001', tool_name: 'get_weather', tool_input: { city: 'Paris', unit: 'celsius' } },
  { type: 'tool_use', tool_use_id: 'call_FIXTURE0000000002', tool_name: 'get_local_time', tool_input: { timezone: 'Europe/Paris' } },
];

const FIXTURES: ReadonlyArray<{
  file: string;
  contentType: string;
  model: string;
  content: ContentBlock[];
  done: boolean;
  stopReason: string;
  usage?: Usage;
  diagnostics: string[];
}> = [
  { file: 'ollama/chat_stream.ndjson', contentType: NDJSON, model: 'llama3.2', content: [{ type: 'text', text: skyText }], done: true, stopReason: 'stop', usage: skyUsage, diagnostics: [] },
  { file: 'ollama/chat_oneshot.json', contentType: JSON_TYPE, model: 'llama3.2', content: [{ type: 'text', text: skyText }], done: true, stopReason: 'stop', usage: skyUsage, diagnostics: [] },
  {
    file: 'ollama/chat_thinking_stream.ndjson',
    contentType: NDJSON,
    model: 'qwen3:8b',
    content: thinkingBlocks,
    done: true,
    stopReason: 'stop',
    usage: { prompt_tokens: 18, completion_tokens: 71, total_tokens: 89, total_duration_ns: 3120458750, prompt_duration_ns: 96417125 },
    diagnostics: [],
  },
  {
    file: 'ollama/chat_tool_call_stream.ndjson',
    contentType: NDJSON,
    model: 'qwen3:8b',
    content: toolBlocks,
    done: true,
    stopReason: 'stop',
    usage: { prompt_tokens: 187, completion_tokens: 42, total_tokens: 229, total_duration_ns: 2214503459, prompt_duration_ns: 301229833 },
    diagnostics: [],
  },
  {
    file: 'ollama/chat_images_stream.ndjson',
    contentType: NDJSON,
    model: 'llama3.2-vision',
    content: [{ type: 'text', text: 'The image is a single red pixel on a transparent background.' }],
    done: true,
    stopReason: 'stop',
    usage: { prompt_tokens: 24, completion_tokens: 13, total_tokens: 37, total_duration_ns: 5129837291, prompt_duration_ns: 2318456125 },
    diagnostics: [],
  },
  {
    file: 'ollama/chat_error_mid_stream.ndjson',
    contentType: NDJSON,
    model: 'llama3.2',
    content: [{ type: 'text', text: 'Here is a long answer that' }],
    done: false,
    stopReason: 'error',
    diagnostics: ['upstream_error'],
  },
  {
    file: 'ollama/chat_truncated_stream.ndjson',
    contentType: NDJSON,
    model: 'llama3.2',
    content: [{ type: 'text', text: 'Sure, here are three reasons: first,' }],
    done: false,
    stopReason: 'incomplete',
    diagnostics: ['parse_error', 'incomplete'],
  },
  { file: 'ollama/chat_error.json', contentType: JSON_TYPE, model: '', content: [], done: false, stopReason: 'error', diagnostics: ['upstream_error'] },
];

describe('OllamaChatReducer fixtures', () => {
  it.each(FIXTURES)('$file', ({ file, contentType, model, content, done, stopReason, usage, diagnostics }) => {
    const response = reduceBody(reducer, readFixture(file), { contentType });
    expect(response.model).toBe(model);
    expect(response.message).toEqual({ role: 'assistant', content });
    expect(response.done).toBe(done);
    expect(response.stop_reason).toBe(stopReason);
    expect(response.usage).toEqual(usage);
    expect(codes(response)).toEqual(diagnostics);
  });

  it.each(FIXTURES)('reduces $file alike without a content type', ({ file, contentType }) => {
    expect(reduceBody(reducer, readFixture(file))).toEqual(reduceBody(reducer, readFixture(file), { contentType }));
  });

  it('names the upstream error message in the diagnostic', () => {
    const response = reduceBody(reducer, readFixture('ollama/chat_error.json'), { contentType: JSON_TYPE });
    expect(response.diagnostics[0]).toMatchObject({ code: 'upstream_error', data: { message: 'model "llama3.3:70b" not found, try pulling it first' } });
  });
});

describe('OllamaChatReducer stream ≡ one-shot', () => {
  const PAIRS = [
    { stream: 'ollama/chat_stream.ndjson', oneShot: 'ollama/chat_oneshot.json' },
    { stream: 'ollama/chat_thinking_stream.ndjson', oneShot: 'ollama/chat_thinking_oneshot.json' },
    { stream: 'ollama/chat_tool_call_stream.ndjson', oneShot: 'ollama/chat_tool_call_oneshot.json' },
  ];

  function nodeHash(response: ChatResponse): string {
    return computeHash(messageBucket(response.message, { model: response.model, provider: 'ollama', agentName: 'ollama-cli' }), 'a'.repeat(64));
  }

  it.each(PAIRS)('$stream and $oneShot give the same response node hash', ({ stream, oneShot }) => {
    const streamed = reduceBody(reducer, readFixture(stream), { contentType: NDJSON });
    const whole = reduceBody(reducer, readFixture(oneShot), { contentType: JSON_TYPE });
    expect(streamed.diagnostics).toEqual([]);
    expect(whole).toEqual(streamed);
    expect(nodeHash(whole)).toBe(nodeHash(streamed));
  });

  it.each(PAIRS)('reduceJson of $oneShot matches its byte reduction', ({ oneShot }) => {
    const bytes = readFixture(oneShot);
    expect(reducer.reduceJson(JSON.parse(bytes.toString('utf8')))).toEqual(reduceBody(reducer, bytes, { contentType: JSON_TYPE }));
  });
});

describe('OllamaChatReducer chunking', () => {
  it.each(FIXTURES)('reduces $file alike split at any points', ({ file, contentType }) => {
    const bytes = readFixture(file);
    const whole = reduceBody(reducer, bytes, { contentType });
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        expect(reduceChunks(chunks, contentType)).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it.each(FIXTURES)('reduces $file alike fed byte by byte', ({ file, contentType }) => {
    const bytes = readFixture(file);
    const bytewise = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(reduceChunks(bytewise, contentType)).toEqual(reduceBody(reducer, bytes, { contentType }));
  });

  it.each(['ollama/chat_stream.ndjson', 'ollama/chat_thinking_stream.ndjson', 'ollama/chat_tool_call_stream.ndjson'])(
    'keeps a prefix of %s when the stream is cut anywhere, and is done only with the whole done line',
    (file) => {
      const bytes = readFixture(file);
      const full = reduceBody(reducer, bytes, { contentType: NDJSON });
      const doneLineEnd = bytes.toString('utf8').trimEnd().length;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length }), (cut) => {
          const partial = reduceBody(reducer, bytes.subarray(0, cut), { contentType: NDJSON });
          const whole = cut >= Buffer.byteLength(bytes.toString('utf8').slice(0, doneLineEnd));
          expect(partial.done).toBe(whole);
          if (!whole) expect(codes(partial)).toEqual(expect.arrayContaining([cut === 0 ? 'empty_response' : 'incomplete']));
          for (const type of ['text', 'thinking'] as const) {
            const got = partial.message.content.find((b) => b.type === type);
            const want = full.message.content.find((b) => b.type === type);
            if (got) expect((want?.[type] ?? '').startsWith(got[type] ?? '')).toBe(true);
          }
          const calls = partial.message.content.filter((b) => b.type === 'tool_use');
          expect(calls).toEqual(full.message.content.filter((b) => b.type === 'tool_use').slice(0, calls.length));
        }),
        { numRuns: 150 },
      );
    },
  );
});

describe('OllamaChatReducer bad input', () => {
  it.each([
    { name: 'binary garbage', body: Buffer.from([0x00, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x13, 0x37]), contentType: NDJSON, codes: ['empty_response'] },
    { name: 'an HTML error page', body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html', codes: ['empty_response'] },
    { name: 'an empty body', body: '', contentType: NDJSON, codes: ['empty_response'] },
    { name: 'a JSON error body sent with 200', body: '{"error":"llama runner process has terminated: signal: killed"}', contentType: JSON_TYPE, codes: ['upstream_error'] },
    { name: 'JSON that is not a chat response', body: '{"status":"success"}', contentType: JSON_TYPE, codes: ['empty_response'] },
    { name: 'a JSON array', body: '[1,2,3]', contentType: JSON_TYPE, codes: ['empty_response'] },
  ])('reports $name without content and without throwing', ({ body, contentType, codes: expected }) => {
    const response = reduceBody(reducer, body, { contentType });
    expect(response.done).toBe(false);
    expect(response.message.content).toEqual([]);
    expect(codes(response)).toEqual(expected);
  });

  it('skips a line that is not JSON and keeps the rest of the stream', () => {
    const body = [chunkLine('Hel'), 'not json at all', chunkLine('lo'), doneLine()].join('\n');
    const response = reduceBody(reducer, body, { contentType: NDJSON });
    expect(response.message.content).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(response.done).toBe(true);
    expect(codes(response)).toEqual(['parse_error']);
  });

  it('counts a line that is JSON but not a chat chunk', () => {
    const body = [chunkLine('Hi'), '{"status":"pulling manifest"}', '42', doneLine()].join('\n');
    expect(codes(reduceBody(reducer, body, { contentType: NDJSON }))).toEqual(['unknown_event', 'parse_error']);
  });
});

describe('OllamaChatReducer folding', () => {
  it('appends text carried by the done chunk instead of letting it replace the stream (tapes #192 bug)', () => {
    const body = [chunkLine('Hello'), doneLine({ message: { role: 'assistant', content: ' world' } })].join('\n');
    expect(reduceBody(reducer, body, { contentType: NDJSON }).message.content).toEqual([{ type: 'text', text: 'Hello world' }]);
  });

  it('ignores and reports a chunk after the done chunk', () => {
    const body = [chunkLine('Hi'), doneLine(), chunkLine(' again')].join('\n');
    const response = reduceBody(reducer, body, { contentType: NDJSON });
    expect(response.message.content).toEqual([{ type: 'text', text: 'Hi' }]);
    expect(response.done).toBe(true);
    expect(codes(response)).toEqual(['unknown_event']);
  });

  it.each([
    { doneFields: { done_reason: 'length' }, stopReason: 'length' },
    { doneFields: { done_reason: '' }, stopReason: 'stop' },
    { doneFields: {}, stopReason: 'stop' },
    { doneFields: { done_reason: 'load' }, stopReason: 'load' },
  ])('maps done_reason $doneFields.done_reason to stop reason $stopReason', ({ doneFields, stopReason }) => {
    expect(reduceBody(reducer, [chunkLine('x'), doneLine(doneFields)].join('\n'), { contentType: NDJSON }).stop_reason).toBe(stopReason);
  });

  it.each([
    { metrics: {}, usage: undefined },
    { metrics: { prompt_eval_count: 0, eval_count: 0, total_duration: 0 }, usage: undefined },
    { metrics: { eval_count: 5 }, usage: { completion_tokens: 5, total_tokens: 5 } },
    { metrics: { total_duration: 1000 }, usage: { total_duration_ns: 1000 } },
    { metrics: { prompt_eval_duration: 250 }, usage: { prompt_duration_ns: 250 } },
    { metrics: { prompt_eval_count: 7, eval_count: 3, load_duration: 9, eval_duration: 4 }, usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } },
  ])('usage from $metrics', ({ metrics, usage }) => {
    expect(reduceBody(reducer, [chunkLine('x'), doneLine(metrics)].join('\n'), { contentType: NDJSON }).usage).toEqual(usage);
  });

  it('reads tool-call arguments sent as a JSON string and reports ones that are not an object', () => {
    const calls = [
      { id: 'call_a', function: { name: 'read_file', arguments: '{"path":"README.md"}' } },
      { function: { name: 'broken', arguments: '{"path":' } },
      { function: { name: 'listy', arguments: [1, 2] } },
      { function: { name: 'no_args' } },
    ];
    const body = [JSON.stringify({ model: 'm', message: { role: 'assistant', content: '', tool_calls: calls }, done: false }), doneLine()].join('\n');
    const response = reduceBody(reducer, body, { contentType: NDJSON });
    expect(response.message.content).toEqual([
      { type: 'tool_use', tool_use_id: 'call_a', tool_name: 'read_file', tool_input: { path: 'README.md' } },
      { type: 'tool_use', tool_name: 'broken' },
      { type: 'tool_use', tool_name: 'listy' },
      { type: 'tool_use', tool_name: 'no_args' },
    ]);
    expect(codes(response)).toEqual(['tool_input_parse_error', 'tool_input_parse_error']);
    expect(response.diagnostics[0]?.data).toMatchObject({ tool_name: 'broken', raw: '{"path":' });
  });

  it('maps response images to image blocks after the text', () => {
    const body = [JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'Here:', images: ['aGVsbG8='] }, done: true })].join('\n');
    expect(reduceBody(reducer, body, { contentType: NDJSON }).message.content).toEqual([
      { type: 'text', text: 'Here:' },
      { type: 'image', image_base64: 'aGVsbG8=' },
    ]);
  });

  it('defaults the role to assistant and keeps the first model seen', () => {
    const body = [JSON.stringify({ model: 'first', message: { content: 'a' }, done: false }), JSON.stringify({ model: 'second', message: { content: 'b' }, done: true })].join('\n');
    const response = reduceBody(reducer, body, { contentType: NDJSON });
    expect(response.model).toBe('first');
    expect(response.message.role).toBe('assistant');
  });

  it('reports an SSE body as unknown events rather than reading it as Ollama', () => {
    const response = reduceBody(reducer, 'data: {"choices":[]}\n\n', { contentType: 'text/event-stream' });
    expect(codes(response)).toEqual(['unknown_event', 'incomplete']);
    expect(response.done).toBe(false);
  });
});

describe('OllamaChatReducer routing', () => {
  it.each([
    { path: '/api/chat', handled: true },
    { path: '/api/chat/', handled: true },
    { path: '/api/chat?stream=false', handled: true },
    { path: '/agents/coder/api/chat', handled: true },
    { path: '/agents/coder/providers/ollama/api/chat', handled: true },
    { path: '/api/generate', handled: false },
    { path: '/v1/chat/completions', handled: false },
    { path: '/api/chats', handled: false },
  ])('$path → handled $handled', ({ path, handled }) => {
    expect(selectReducer([reducer], { path }) === reducer).toBe(handled);
  });

  it('is the ollama provider, ollama.chat API', () => {
    expect({ provider: reducer.provider, api: reducer.api }).toEqual({ provider: 'ollama', api: 'ollama.chat' });
  });
});

function chunkLine(content: string): string {
  return JSON.stringify({ model: 'llama3.2', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content }, done: false });
}

function doneLine(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'llama3.2', created_at: '2026-01-01T00:00:01Z', message: { role: 'assistant', content: '' }, done: true, ...fields });
}
