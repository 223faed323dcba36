import type { ChatResponse } from '@tapes/llm';
import { excerpt, type Diagnostics } from '../../diagnostics';
import type { SseEvent, TurnAssembler } from '../../framing/turn-assembler';
import { isRecord } from '../../json';
import { messageBlocks } from './content';
import { ollamaUsage } from './usage';
import { decodeChunk, type WireMessage, type WireMetrics, type WireToolCall } from './wire';

/**
 * Reduces one Ollama `/api/chat` turn: an NDJSON stream of chunks or a one-shot body, which is the
 * same chunk shape holding the whole message — so both forms go through the same fold and the
 * same turn reduces to the same message (and node hash) either way.
 *
 * - Text and thinking accumulate across every chunk, the done chunk included. tapes #192 let a
 *   non-empty last chunk's text replace everything before it (ref §4.3); here nothing is replaced.
 * - Ollama sends each tool call whole; calls from several chunks are all kept, in arrival order.
 * - The turn is done when a `done: true` chunk arrives. The stop reason is its `done_reason`, or
 *   `stop` when that is empty (ref §3.2). Without one the turn is `incomplete`.
 * - `{"error": "…"}` — a line mid-stream or the whole body — is an `upstream_error`: the turn is
 *   not done and its stop reason is `error`, as in the other reducers.
 */
export class OllamaTurnAssembler implements TurnAssembler {
  private form: 'stream' | 'json' | undefined;
  private model: string | undefined;
  private role: string | undefined;
  private content = '';
  private thinking = '';
  private readonly images: string[] = [];
  private readonly toolCalls: WireToolCall[] = [];
  private done = false;
  private doneReason: string | undefined;
  private metrics: WireMetrics = {};
  private upstreamError = false;

  constructor(private readonly diagnostics: Diagnostics) {}

  /** Ollama never sends SSE; an SSE body on this endpoint is something else and is counted. */
  sseEvent(event: SseEvent): void {
    this.diagnostics.add('unknown_event', `an SSE event on Ollama's NDJSON endpoint: ${excerpt(event.data)}`, { event: event.event ?? '' });
  }

  ndjsonValue(value: unknown): void {
    this.form ??= 'stream';
    if (!isRecord(value)) {
      this.diagnostics.add('parse_error', `NDJSON line is not a JSON object: ${excerpt(JSON.stringify(value) ?? '')}`);
      return;
    }
    this.chunk(value);
  }

  jsonDocument(document: unknown): void {
    this.form = 'json';
    if (!isRecord(document)) {
      this.diagnostics.add('empty_response', `the body is JSON but not an Ollama chat response: ${excerpt(JSON.stringify(document) ?? '')}`);
      return;
    }
    this.chunk(document);
  }

  finish(): ChatResponse {
    const content = messageBlocks(this.accumulated(), (problem) =>
      this.diagnostics.add('tool_input_parse_error', `tool call ${problem.tool_use_id ?? problem.tool_name ?? '(unnamed)'} has arguments that are not a JSON object: ${problem.error}`, {
        ...problem,
      }),
    );
    // Not done and not refused: the body stopped short of its done chunk, even when nothing before
    // the cut was readable. Only a body that was not a response at all (reported by the framing or
    // above as empty_response) is not "incomplete".
    const incomplete = !this.done && !this.upstreamError && !this.diagnostics.has('empty_response');
    if (incomplete) this.diagnostics.add('incomplete', this.form === 'json' ? 'the one-shot body is not done' : 'the body ended before the done chunk');
    const response: ChatResponse = {
      model: this.model ?? '',
      message: { role: this.role ?? 'assistant', content },
      done: this.done && !this.upstreamError,
      diagnostics: this.diagnostics.list(),
    };
    const stopReason = this.upstreamError ? 'error' : this.done ? this.doneReason || 'stop' : incomplete ? 'incomplete' : undefined;
    if (stopReason) response.stop_reason = stopReason;
    const usage = this.done ? ollamaUsage(this.metrics) : undefined;
    if (usage) response.usage = usage;
    return response;
  }

  private chunk(value: Record<string, unknown>): void {
    const chunk = decodeChunk(value);
    switch (chunk.kind) {
      case 'error':
        this.upstreamError = true;
        this.diagnostics.add('upstream_error', `Ollama reported an error: ${chunk.message}`, { message: chunk.message });
        return;
      case 'foreign':
        if (this.form === 'json') this.diagnostics.add('empty_response', `the body is JSON but not an Ollama chat response: ${excerpt(JSON.stringify(value))}`);
        else this.diagnostics.add('unknown_event', `a line that is not a chat chunk: ${excerpt(JSON.stringify(value))}`);
        return;
      case 'chunk':
        break;
    }
    if (this.done) {
      // The turn already ended; a later chunk cannot belong to it.
      this.diagnostics.add('unknown_event', `a chunk after the done chunk: ${excerpt(JSON.stringify(value))}`);
      return;
    }
    if (chunk.model) this.model ??= chunk.model;
    if (chunk.message) this.append(chunk.message);
    if (chunk.done) {
      this.done = true;
      this.doneReason = chunk.doneReason;
      this.metrics = chunk.metrics;
    }
  }

  private append(message: WireMessage): void {
    if (message.role) this.role ??= message.role;
    this.content += message.content;
    this.thinking += message.thinking;
    this.images.push(...message.images);
    this.toolCalls.push(...message.toolCalls);
  }

  private accumulated(): WireMessage {
    return {
      role: this.role,
      content: this.content,
      thinking: this.thinking,
      images: this.images,
      toolCalls: this.toolCalls,
      toolName: undefined,
      toolCallId: undefined,
    };
  }
}
