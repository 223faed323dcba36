/**
 * A synthetic but realistic Ollama `/api/chat` stream (NDJSON), as a thinking model with tools
 * sends it: a long run of `message.thinking` chunks of a token or two each, then the answer as
 * `message.content` chunks, then a tool call sent whole, then the done chunk with metrics. Each
 * line is one token — Ollama's framing overhead per byte of text is the highest of the providers,
 * which is what makes it worth measuring. Deterministic: the same size gives the same bytes.
 */

import type { GeneratedStream } from './claude-code-stream';

const WORDS = [
  'the', 'request', 'handler', 'returns', 'a', '502', 'when', 'upstream', 'times', 'out', ',', 'so', 'I', 'should', 'check',
  'config', 'loader', 'first', '.', 'Résumé', ':', 'naïve', 'retry', '✓', 'then', 'run', 'tests', 'again', '\n', '`npm test`',
];

export function ollamaThinkingStream(targetBytes: number): GeneratedStream {
  const frames: Record<string, number> = {};
  const parts: string[] = [];
  let size = 0;
  let tick = 0;
  const emit = (kind: string, line: Record<string, unknown>) => {
    const text = `${JSON.stringify({ model: 'qwen3:32b', created_at: createdAt(tick++), ...line })}\n`;
    parts.push(text);
    size += Buffer.byteLength(text);
    frames[kind] = (frames[kind] ?? 0) + 1;
  };
  const token = (i: number) => (i % 7 === 0 ? '' : ' ') + WORDS[(i * 7 + (i >> 3)) % WORDS.length];

  for (let i = 0; size < targetBytes * 0.4; i++) emit('thinking', { message: { role: 'assistant', content: '', thinking: token(i) }, done: false });
  for (let i = 0; size < targetBytes; i++) emit('content', { message: { role: 'assistant', content: token(i) }, done: false });
  emit('tool_call', {
    message: {
      role: 'assistant',
      content: '',
      tool_calls: [{ id: 'call_BENCH0000000001', function: { index: 0, name: 'run_tests', arguments: { command: 'npm test', timeout_ms: 120000 } } }],
    },
    done: false,
  });
  emit('done', {
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    total_duration: 912_345_678_901,
    load_duration: 1_234_567_890,
    prompt_eval_count: 48_213,
    prompt_eval_duration: 21_987_654_321,
    eval_count: tick,
    eval_duration: 889_123_456_789,
  });
  return { body: new TextEncoder().encode(parts.join('')), frames };
}

function createdAt(tick: number): string {
  const ms = 1_767_225_600_000 + tick * 37;
  return new Date(ms).toISOString().replace('Z', '123Z');
}
