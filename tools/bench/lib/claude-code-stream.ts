/**
 * A synthetic but realistic Claude Code tool-use turn as Anthropic streams it: a thinking block,
 * text blocks, and `Write`/`Edit`/`Bash` tool calls whose input arrives as many small
 * `input_json_delta` fragments (the bulk of a long agentic turn), with a `ping` now and then.
 * Deterministic: the same size gives the same bytes, so runs compare.
 */

export interface GeneratedStream {
  body: Uint8Array;
  /** Frames by kind, for the report. */
  frames: Record<string, number>;
}

const CODE_LINES = [
  "import { createServer } from 'node:http';",
  'export async function handle(request: Request): Promise<Response> {',
  '  const body = await request.json(); // validated below — never trusted',
  "  if (!isRecord(body)) return json({ error: 'malformed_envelope' }, 400);",
  '  for (const [key, value] of Object.entries(body)) counts.set(key, (counts.get(key) ?? 0) + 1);',
  '  return json({ ok: true, received: Object.keys(body).length });',
  '}',
  '',
  '/** Résumé of the turn: "quoted", tabbed\tand back\\slashed. */',
  "const greeting = `héllo ${name} ✓`;",
];

const PROSE = [
  "I'll update the handler so malformed bodies get a 400 instead of a 500. ",
  'Then I will run the tests to make sure nothing else depends on the old behaviour. ',
  'The failure comes from the upstream returning a 502 — the proxy should relay it. ',
  'Let me read the config loader first, since the timeout is set there. ',
];

/** A small seeded PRNG (mulberry32): fragment sizes vary like real streams, reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function claudeCodeToolUseStream(targetBytes: number): GeneratedStream {
  const random = prng(192);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const parts: string[] = [];
  const frames: Record<string, number> = {};
  let size = 0;
  const emit = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    parts.push(frame);
    size += Buffer.byteLength(frame);
    const kind = event === 'content_block_delta' ? (data as { delta: { type: string } }).delta.type : event;
    frames[kind] = (frames[kind] ?? 0) + 1;
  };
  /** Streams `text` as deltas of realistic size (a few tokens each). */
  const streamPieces = (text: string, min: number, max: number, delta: (piece: string) => void) => {
    for (let at = 0; at < text.length; ) {
      const n = between(min, max);
      delta(text.slice(at, at + n));
      at += n;
    }
  };

  emit('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_BENCH000000000000000000',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 3, cache_creation_input_tokens: 2311, cache_read_input_tokens: 48213, output_tokens: 1 },
    },
  });
  let index = 0;
  emit('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
  streamPieces(PROSE.join('').repeat(20), 8, 40, (thinking) => emit('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } }));
  emit('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'EuYBCkQYAiJA'.padEnd(344, 'x') } });
  emit('content_block_stop', { type: 'content_block_stop', index });

  let call = 0;
  while (size < targetBytes) {
    index++;
    emit('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    streamPieces(PROSE[call % PROSE.length]!.repeat(between(2, 6)), 4, 24, (text) => emit('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
    emit('content_block_stop', { type: 'content_block_stop', index });
    emit('ping', { type: 'ping' });

    index++;
    const lines = Array.from({ length: between(800, 2400) }, () => CODE_LINES[between(0, CODE_LINES.length - 1)]);
    const tool = ['Write', 'Edit', 'Bash'][call % 3]!;
    const input =
      tool === 'Write'
        ? { file_path: `/work/app/src/module-${call}.ts`, content: lines.join('\n') }
        : tool === 'Edit'
          ? { file_path: `/work/app/src/module-${call - 1}.ts`, old_string: lines.slice(0, 40).join('\n'), new_string: lines.join('\n') }
          : { command: `cat > /tmp/script-${call}.sh <<'EOF'\n${lines.join('\n')}\nEOF`, description: 'Write the helper script', timeout: 120000 };
    const id = `toolu_BENCH${String(call).padStart(15, '0')}`;
    emit('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: tool, input: {} } });
    emit('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
    streamPieces(JSON.stringify(input), 8, 96, (partial_json) => emit('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }));
    emit('content_block_stop', { type: 'content_block_stop', index });
    call++;
  }
  emit('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 3_100_000 } });
  emit('message_stop', { type: 'message_stop' });
  return { body: new TextEncoder().encode(parts.join('')), frames };
}
