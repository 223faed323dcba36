/**
 * Synthetic but realistic OpenAI streams of a long agentic turn, for the reducer benchmark.
 * Deterministic: the same size gives the same bytes, so runs compare.
 *
 * - Chat Completions: what an agent on `/v1/chat/completions` receives with
 *   `stream_options.include_usage` — text deltas of a few tokens, then parallel tool calls whose
 *   `arguments` arrive as many small fragments (the bulk of the turn), every chunk repeating the
 *   envelope (`id`, `object`, `created`, `model`, `system_fingerprint`, `usage: null`, padding),
 *   then the usage chunk and `[DONE]`.
 * - Responses: what Codex receives on `/v1/responses` — reasoning summary deltas, message text
 *   deltas, `function_call` argument deltas and `custom_tool_call` (apply_patch) input deltas, each
 *   item repeated whole by `response.output_item.done`, and the terminal `response.completed`
 *   repeating the whole output once more (about a fifth of the bytes are that final event).
 */

import type { GeneratedStream } from './claude-code-stream';

const CODE_LINES = [
  "import { request } from 'undici';",
  'export async function forward(target: URL, body: Uint8Array): Promise<number> {',
  '  const response = await request(target, { method: "POST", body }); // never buffered',
  '  for await (const chunk of response.body) tap.push(chunk);',
  "  if (response.statusCode >= 500) logger.warn({ status: response.statusCode }, 'upstream failed');",
  '  return response.statusCode;',
  '}',
  '',
  '/** Résumé: "quoted", tabbed\tand back\\slashed ✓ */',
];

const PROSE = [
  'I will change the proxy so a 502 from the upstream is relayed as it is. ',
  'First I need to see where the timeout is configured, then run the tests again. ',
  'The capture must keep the partial turn when the client disconnects — naïve buffering would not. ',
];

/** Deterministic fragment sizes between min and max (a linear congruential sequence). */
function sizes(seed: number, min: number, max: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return min + (state % (max - min + 1));
  };
}

function pieces(text: string, next: () => number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; ) {
    const n = next();
    out.push(text.slice(at, at + n));
    at += n;
  }
  return out;
}

function codeBlock(lines: number, offset: number): string {
  return Array.from({ length: lines }, (_, i) => CODE_LINES[(i * 5 + offset) % CODE_LINES.length]).join('\n');
}

class StreamWriter {
  private readonly parts: string[] = [];
  readonly frames: Record<string, number> = {};
  size = 0;

  write(kind: string, frame: string): void {
    this.parts.push(frame);
    this.size += Buffer.byteLength(frame);
    this.frames[kind] = (this.frames[kind] ?? 0) + 1;
  }

  stream(): GeneratedStream {
    return { body: new TextEncoder().encode(this.parts.join('')), frames: this.frames };
  }
}

export function chatCompletionsAgentStream(targetBytes: number): GeneratedStream {
  const out = new StreamWriter();
  const next = sizes(192, 4, 48);
  const chunk = (kind: string, delta: Record<string, unknown>, finish: string | null = null) =>
    out.write(
      kind,
      `data: ${JSON.stringify({
        id: 'chatcmpl-BENCH000000000000000000001',
        object: 'chat.completion.chunk',
        created: 1767225600,
        model: 'gpt-4.1-2025-04-14',
        service_tier: 'default',
        system_fingerprint: 'fp_BENCH00000',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        usage: null,
        obfuscation: 'x'.repeat(next() % 12),
      })}\n\n`,
    );

  chunk('role', { role: 'assistant', content: '', refusal: null });
  for (const text of pieces(PROSE.join('').repeat(30), next)) chunk('content', { content: text });
  let call = 0;
  while (out.size < targetBytes) {
    const args = JSON.stringify({ path: `src/module-${call}.ts`, content: codeBlock(600 + (call % 5) * 300, call) });
    chunk('tool_call_start', { tool_calls: [{ index: call, id: `call_BENCH${String(call).padStart(20, '0')}`, type: 'function', function: { name: 'write_file', arguments: '' } }] });
    for (const fragment of pieces(args, next)) chunk('tool_call_arguments', { tool_calls: [{ index: call, function: { arguments: fragment } }] });
    call++;
  }
  chunk('finish', {}, 'tool_calls');
  out.write(
    'usage',
    `data: ${JSON.stringify({
      id: 'chatcmpl-BENCH000000000000000000001',
      object: 'chat.completion.chunk',
      created: 1767225600,
      model: 'gpt-4.1-2025-04-14',
      choices: [],
      usage: { prompt_tokens: 48213, completion_tokens: 912345, total_tokens: 960558, prompt_tokens_details: { cached_tokens: 40960 }, completion_tokens_details: { reasoning_tokens: 0 } },
    })}\n\n`,
  );
  out.write('done', 'data: [DONE]\n\n');
  return out.stream();
}

export function responsesCodexStream(targetBytes: number): GeneratedStream {
  const out = new StreamWriter();
  const next = sizes(7, 4, 48);
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) => out.write(type, `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  const pad = () => 'x'.repeat(next() % 12);
  const response = (status: string, output: unknown[], usage: unknown) => ({
    id: 'resp_BENCH0000000000000000000000000000000000000000001',
    object: 'response',
    created_at: 1767225600,
    status,
    model: 'gpt-5-codex',
    output,
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    usage,
  });
  const output: Record<string, unknown>[] = [];
  const finish = (at: number, item: Record<string, unknown>) => {
    event('response.output_item.done', { output_index: at, item });
    output.push(item);
  };

  event('response.created', { response: response('in_progress', [], null) });
  event('response.in_progress', { response: response('in_progress', [], null) });
  while (out.size < targetBytes * 0.8) {
    let at = output.length;
    const rsId = `rs_BENCH${String(at).padStart(40, '0')}`;
    event('response.output_item.added', { output_index: at, item: { id: rsId, type: 'reasoning', summary: [] } });
    event('response.reasoning_summary_part.added', { item_id: rsId, output_index: at, summary_index: 0, part: { type: 'summary_text', text: '' } });
    const summary = PROSE[at % PROSE.length]!.repeat(4);
    for (const delta of pieces(summary, next)) event('response.reasoning_summary_text.delta', { item_id: rsId, output_index: at, summary_index: 0, delta, obfuscation: pad() });
    event('response.reasoning_summary_text.done', { item_id: rsId, output_index: at, summary_index: 0, text: summary });
    finish(at, { id: rsId, type: 'reasoning', summary: [{ type: 'summary_text', text: summary }], encrypted_content: 'gAAAAAB'.padEnd(1200, 'q') });

    at = output.length;
    const msgId = `msg_BENCH${String(at).padStart(40, '0')}`;
    const text = PROSE.join('').repeat(2);
    event('response.output_item.added', { output_index: at, item: { id: msgId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
    event('response.content_part.added', { item_id: msgId, output_index: at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const delta of pieces(text, next)) event('response.output_text.delta', { item_id: msgId, output_index: at, content_index: 0, delta, logprobs: [], obfuscation: pad() });
    event('response.output_text.done', { item_id: msgId, output_index: at, content_index: 0, text, logprobs: [] });
    finish(at, { id: msgId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });

    at = output.length;
    const fcId = `fc_BENCH${String(at).padStart(40, '0')}`;
    const args = JSON.stringify({ command: ['bash', '-lc', `cat > src/module-${at}.ts <<'EOF'\n${codeBlock(300, at)}\nEOF`], timeout_ms: 120000 });
    const callId = `call_BENCH${String(at).padStart(20, '0')}`;
    event('response.output_item.added', { output_index: at, item: { id: fcId, type: 'function_call', status: 'in_progress', call_id: callId, name: 'shell', arguments: '' } });
    for (const delta of pieces(args, next)) event('response.function_call_arguments.delta', { item_id: fcId, output_index: at, delta, obfuscation: pad() });
    event('response.function_call_arguments.done', { item_id: fcId, output_index: at, arguments: args });
    finish(at, { id: fcId, type: 'function_call', status: 'completed', call_id: callId, name: 'shell', arguments: args });

    at = output.length;
    const ctcId = `ctc_BENCH${String(at).padStart(40, '0')}`;
    const patch = `*** Begin Patch\n*** Add File: src/module-${at}.ts\n${codeBlock(300, at + 1)
      .split('\n')
      .map((line) => `+${line}`)
      .join('\n')}\n*** End Patch`;
    const patchId = `call_BENCH${String(at).padStart(20, '0')}`;
    event('response.output_item.added', { output_index: at, item: { id: ctcId, type: 'custom_tool_call', status: 'in_progress', call_id: patchId, name: 'apply_patch', input: '' } });
    for (const delta of pieces(patch, next)) event('response.custom_tool_call_input.delta', { item_id: ctcId, output_index: at, delta, obfuscation: pad() });
    event('response.custom_tool_call_input.done', { item_id: ctcId, output_index: at, input: patch });
    finish(at, { id: ctcId, type: 'custom_tool_call', status: 'completed', call_id: patchId, name: 'apply_patch', input: patch });
  }
  event('response.completed', {
    response: response('completed', output, {
      input_tokens: 48213,
      input_tokens_details: { cached_tokens: 40960 },
      output_tokens: 912345,
      output_tokens_details: { reasoning_tokens: 20480 },
      total_tokens: 960558,
    }),
  });
  return out.stream();
}
