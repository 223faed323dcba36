/**
 * Reducer throughput and memory, against baselines measured in the same run.
 *
 * Run from the repository root (the env var makes @swc-node/register resolve the `@tapes/*` path
 * aliases of tsconfig.base.json; without it they do not resolve, as there is no root tsconfig.json):
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node --expose-gc -r @swc-node/register tools/bench/reducers.bench.ts [MiB]
 *
 * Each row feeds a body to a reduction in 16 KiB chunks on one core, as a capture site would. MB/s
 * is the best of 7 timed runs after 3 warm-up runs (median beside it); memory is peak growth over
 * the state before the run, relative to the decoded body size, from a separate sampled run.
 * Targets: ≥ 100 MB/s, peak growth ≤ 3× the body. To add a reducer, add a row to `rows`.
 */
import './lib/aliases';
import { createParser } from 'eventsource-parser';
import { AnthropicMessagesReducer, OllamaChatReducer, OpenAIChatReducer, OpenAIResponsesReducer, type Reducer } from '@tapes/capture';
import { claudeCodeToolUseStream } from './lib/claude-code-stream';
import { ollamaThinkingStream } from './lib/ollama-chat-stream';
import { chatCompletionsAgentStream, responsesCodexStream } from './lib/openai-streams';
import { canCollectGarbage, chunksOf, measureMemory, measureThroughput } from './lib/measure';

const CHUNK_BYTES = 16 * 1024;
const TARGET_MB_PER_S = 100;
const TARGET_GROWTH = 3;

interface Row {
  name: string;
  /** A reducer under test, or undefined for a baseline (then `baseline` runs instead). */
  reducer?: Reducer;
  baseline?: (chunks: Uint8Array[]) => unknown;
  body: Uint8Array;
  contentType: string;
}

const targetMiB = Number(process.argv[2] ?? 12);
const anthropic = claudeCodeToolUseStream(targetMiB * 1024 * 1024);
const ollama = ollamaThinkingStream(targetMiB * 1024 * 1024);
const openaiChat = chatCompletionsAgentStream(targetMiB * 1024 * 1024);
const openaiResponses = responsesCodexStream(targetMiB * 1024 * 1024);

const rows: Row[] = [
  { name: 'baseline: TextDecoder (stream)', baseline: decodeOnly, body: anthropic.body, contentType: 'text/event-stream' },
  { name: 'baseline: TextDecoder + eventsource-parser, no-op', baseline: decodeAndFrame, body: anthropic.body, contentType: 'text/event-stream' },
  { name: 'baseline: … + JSON.parse of each event', baseline: decodeFrameAndParse, body: anthropic.body, contentType: 'text/event-stream' },
  { name: 'anthropic.messages (Claude Code tool-use SSE)', reducer: new AnthropicMessagesReducer(), body: anthropic.body, contentType: 'text/event-stream' },
  { name: 'baseline: TextDecoder + line split + JSON.parse', baseline: decodeSplitAndParseLines, body: ollama.body, contentType: 'application/x-ndjson' },
  { name: 'ollama.chat (thinking + tool call NDJSON)', reducer: new OllamaChatReducer(), body: ollama.body, contentType: 'application/x-ndjson' },
  { name: 'baseline: … + JSON.parse (chat completions body)', baseline: decodeFrameAndParse, body: openaiChat.body, contentType: 'text/event-stream' },
  { name: 'openai.chat_completions (tool-call chunks)', reducer: new OpenAIChatReducer(), body: openaiChat.body, contentType: 'text/event-stream' },
  { name: 'baseline: … + JSON.parse (responses body)', baseline: decodeFrameAndParse, body: openaiResponses.body, contentType: 'text/event-stream' },
  { name: 'openai.responses (Codex items + terminal)', reducer: new OpenAIResponsesReducer(), body: openaiResponses.body, contentType: 'text/event-stream' },
];

function decodeOnly(chunks: Uint8Array[]): number {
  const decoder = new TextDecoder();
  let chars = 0;
  for (const chunk of chunks) chars += decoder.decode(chunk, { stream: true }).length;
  return chars + decoder.decode().length;
}

function decodeAndFrame(chunks: Uint8Array[]): number {
  let events = 0;
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: () => void events++ });
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
  return events;
}

function decodeFrameAndParse(chunks: Uint8Array[]): number {
  let keys = 0;
  const decoder = new TextDecoder();
  // `[DONE]` (Chat Completions' end marker) is the one event that is not JSON.
  const parser = createParser({ onEvent: (event) => void (keys += event.data === '[DONE]' ? 0 : Object.keys(JSON.parse(event.data) as object).length) });
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
  return keys;
}

/** The NDJSON counterpart of the SSE baselines: what any Ollama reduction must at least do. */
function decodeSplitAndParseLines(chunks: Uint8Array[]): number {
  let keys = 0;
  let carry = '';
  const decoder = new TextDecoder();
  const lines = (text: string) => {
    const split = (carry + text).split('\n');
    carry = split.pop() ?? '';
    for (const line of split) if (line) keys += Object.keys(JSON.parse(line) as object).length;
  };
  for (const chunk of chunks) lines(decoder.decode(chunk, { stream: true }));
  lines(`${decoder.decode()}\n`);
  return keys;
}

function reduce(row: Row, chunks: Uint8Array[], sample?: () => void): unknown {
  if (!row.reducer) return row.baseline?.(chunks);
  const reduction = row.reducer.start({ contentType: row.contentType });
  for (const chunk of chunks) {
    reduction.push(chunk);
    sample?.();
  }
  const response = reduction.finish();
  if (response.diagnostics.length > 0 || !response.done) throw new Error(`${row.name}: the benchmark body did not reduce cleanly: ${JSON.stringify(response.diagnostics)}`);
  return response;
}

const mb = (bytes: number) => bytes / 1e6;
const pad = (text: string, width: number) => text.padEnd(width);
const num = (value: number, width: number, digits = 1) => value.toFixed(digits).padStart(width);

function main(): void {
  if (!canCollectGarbage()) console.warn('run with --expose-gc: memory figures include uncollected garbage of earlier runs');
  console.log(`node ${process.version}, body ${mb(anthropic.body.length).toFixed(1)} MB in ${CHUNK_BYTES / 1024} KiB chunks`);
  console.log(`frames: ${Object.entries(anthropic.frames).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  console.log(`ollama NDJSON body ${mb(ollama.body.length).toFixed(1)} MB, lines: ${Object.entries(ollama.frames).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  console.log(`openai chat SSE body ${mb(openaiChat.body.length).toFixed(1)} MB, chunks: ${Object.entries(openaiChat.frames).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  console.log(`openai responses SSE body ${mb(openaiResponses.body.length).toFixed(1)} MB, events: ${Object.entries(openaiResponses.frames).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  console.log();
  console.log(`${pad('row', 50)} ${'best MB/s'.padStart(10)} ${'median'.padStart(8)} ${'peak heap ×'.padStart(12)} ${'peak RSS ×'.padStart(11)} ${'retained ×'.padStart(11)}`);
  const failures: string[] = [];
  for (const row of rows) {
    const chunks = chunksOf(row.body, CHUNK_BYTES);
    const time = measureThroughput(() => reduce(row, chunks));
    const memory = measureMemory((sample) => reduce(row, chunks, sample));
    const best = mb(row.body.length) / (time.bestMs / 1000);
    const median = mb(row.body.length) / (time.medianMs / 1000);
    const growth = memory.peakHeapBytes / row.body.length;
    console.log(
      `${pad(row.name, 50)} ${num(best, 10)} ${num(median, 8)} ${num(growth, 12, 2)} ${num(memory.peakRssBytes / row.body.length, 11, 2)} ${num(memory.retainedHeapBytes / row.body.length, 11, 2)}`,
    );
    if (row.reducer && best < TARGET_MB_PER_S) failures.push(`${row.name}: ${best.toFixed(1)} MB/s < ${TARGET_MB_PER_S}`);
    if (row.reducer && growth > TARGET_GROWTH) failures.push(`${row.name}: peak heap growth ${growth.toFixed(2)}× > ${TARGET_GROWTH}×`);
  }
  console.log();
  console.log(failures.length === 0 ? `targets met (≥ ${TARGET_MB_PER_S} MB/s, peak heap growth ≤ ${TARGET_GROWTH}× body)` : `targets missed:\n  ${failures.join('\n  ')}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main();
