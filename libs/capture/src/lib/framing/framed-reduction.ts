import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { ChatResponse } from '@tapes/llm';
import { Diagnostics, errorMessage, excerpt } from '../diagnostics';
import type { Interruption, Reduction, ReductionOptions } from '../reducer';
import { sniffBodyFormat, type BodyFormat } from './body-format';
import type { TurnAssembler } from './turn-assembler';

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The framing half of every reduction: decodes UTF-8 incrementally (invalid bytes become U+FFFD),
 * decides the framing by sniffing, and hands whole frames to the provider's {@link TurnAssembler}.
 * SSE is framed by eventsource-parser (CR, LF and CRLF, comments, multi-line data, events split at
 * any byte); NDJSON by a line splitter; a one-shot JSON body is buffered (up to `maxBytes`) and
 * parsed at the end.
 */
export class FramedReduction implements Reduction {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  private readonly maxBytes: number;
  private format: BodyFormat | undefined;
  private head = '';
  private seenBytes = 0;
  private stopped = false;
  private finished = false;
  private sse: EventSourceParser | undefined;
  /** The unterminated tail of the NDJSON body, as the chunks it arrived in. */
  private ndjsonCarry: string[] = [];
  private ndjsonCarryLength = 0;
  private readonly jsonParts: string[] = [];

  constructor(
    private readonly assembler: TurnAssembler,
    private readonly diagnostics: Diagnostics,
    private readonly options: ReductionOptions & { ambiguousJson: BodyFormat },
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  push(chunk: Uint8Array | string): void {
    if (this.stopped || this.finished) return;
    this.seenBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    this.feedText(text, false);
  }

  finish(interruption?: Interruption): ChatResponse {
    if (this.finished) throw new Error('a reduction can only be finished once'); // programmer error
    if (!this.stopped) {
      this.feedText(this.decoder.decode(), true);
      this.endFraming();
    }
    this.finished = true;
    try {
      const response = this.assembler.finish();
      // A stream that reached its terminal event (message_stop, response.completed, [DONE],
      // done: true) is whole, whoever closed the connection afterwards: Codex hangs up as soon as
      // it reads response.completed, a moment before the upstream ends the body (#12).
      if (interruption && !response.done) response.diagnostics.push({ code: 'interrupted', detail: `${interruption.reason}: ${interruption.detail}`, data: { reason: interruption.reason } });
      return response;
    } catch (err) {
      // An assembler bug must not lose the turn's diagnostics: report it as data.
      if (interruption) this.diagnostics.add('interrupted', `${interruption.reason}: ${interruption.detail}`, { reason: interruption.reason });
      this.diagnostics.add('reducer_error', `assembler failed: ${errorMessage(err)}`);
      return { model: '', message: { role: 'assistant', content: [] }, done: false, diagnostics: this.diagnostics.list() };
    }
  }

  private stop(detail: string): void {
    this.stopped = true;
    this.diagnostics.add('interrupted', detail, { reason: 'capture_budget' });
    // Whatever arrived completely is still reduced (streams); a half one-shot body is not
    // parseable; a body whose framing was never told has nothing to end (and was not empty).
    if (this.format !== undefined) this.endFraming();
  }

  private feedText(text: string, final: boolean): void {
    if (this.format === undefined) {
      this.head += text;
      const trimmed = this.head.replace(/^[\uFEFF\s]+/, '');
      this.format = sniffBodyFormat(trimmed, this.options.contentType, this.options.ambiguousJson, final);
      if (this.format === undefined) {
        if (this.seenBytes > this.maxBytes) this.stop(`capture budget of ${this.maxBytes} bytes exceeded before the body's framing could be told`);
        return;
      }
      // Frames start at the first non-blank character: a BOM in a string chunk (TextDecoder only
      // strips it from bytes) or a leading space would otherwise corrupt the first SSE field name.
      text = this.format === 'json' ? this.head : trimmed;
      this.head = '';
      if (this.format === 'sse') this.sse = this.createSseParser();
    }
    // Only a one-shot body is buffered whole; a stream holds just the turn being assembled.
    if (this.format === 'json' && this.seenBytes > this.maxBytes) {
      this.stop(`capture budget of ${this.maxBytes} bytes exceeded before the body ended`);
      return;
    }
    if (text.length === 0) return;
    switch (this.format) {
      case 'sse':
        this.sse?.feed(text);
        break;
      case 'ndjson':
        this.feedNdjson(text);
        break;
      case 'json':
        this.jsonParts.push(text);
        break;
    }
  }

  private createSseParser(): EventSourceParser {
    return createParser({
      maxBufferSize: this.maxBytes,
      onEvent: (event) => this.guard(() => this.assembler.sseEvent({ event: event.event, data: event.data })),
      onError: (error) => {
        // Unknown fields and bad retry values are legal SSE to ignore. An overlong line terminates
        // the parser (feeding it again would throw), so the reduction stops with what it has.
        if (error.type === 'max-buffer-size-exceeded') {
          this.stopped = true;
          this.diagnostics.add('reducer_error', `SSE line longer than ${this.maxBytes} bytes`);
        }
      },
    });
  }

  private feedNdjson(text: string): void {
    // A long line arrives in many chunks: keep them as parts and join once its newline comes
    // (re-splitting carry + chunk on every push would be quadratic in the line length).
    if (!text.includes('\n')) {
      this.ndjsonCarry.push(text);
      this.ndjsonCarryLength += text.length;
      this.checkNdjsonCarry();
      return;
    }
    this.ndjsonCarry.push(text);
    const lines = this.ndjsonCarry.join('').split('\n');
    const rest = lines.pop() ?? '';
    this.ndjsonCarry = rest ? [rest] : [];
    this.ndjsonCarryLength = rest.length;
    for (const line of lines) this.ndjsonLine(line);
    this.checkNdjsonCarry();
  }

  private checkNdjsonCarry(): void {
    if (this.ndjsonCarryLength <= this.maxBytes) return;
    this.ndjsonCarry = [];
    this.ndjsonCarryLength = 0;
    this.diagnostics.add('reducer_error', `NDJSON line longer than ${this.maxBytes} bytes`);
  }

  private ndjsonLine(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      this.diagnostics.add('parse_error', `NDJSON line is not JSON (${errorMessage(err)}): ${excerpt(trimmed)}`);
      return;
    }
    this.guard(() => this.assembler.ndjsonValue(value));
  }

  private endFraming(): void {
    switch (this.format) {
      case 'sse':
        // A last event without its blank line still counts (a truncated stream keeps its tail).
        this.sse?.feed('\n\n');
        break;
      case 'ndjson':
        if (this.ndjsonCarry.length > 0) this.ndjsonLine(this.ndjsonCarry.join(''));
        this.ndjsonCarry = [];
        this.ndjsonCarryLength = 0;
        break;
      case 'json':
        this.endJson();
        break;
      case undefined:
        this.diagnostics.add('empty_response', 'the response body was empty');
        break;
    }
  }

  private endJson(): void {
    const body = this.jsonParts.join('');
    this.jsonParts.length = 0;
    if (this.stopped) return;
    const trimmed = body.replace(/^[\uFEFF\s]+/, '');
    if (trimmed === '') {
      this.diagnostics.add('empty_response', 'the response body was empty');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      const what = trimmed.startsWith('<') ? 'an HTML or XML page' : 'not JSON';
      this.diagnostics.add('empty_response', `the response body is ${what} (${errorMessage(err)}): ${excerpt(trimmed)}`);
      return;
    }
    this.guard(() => this.assembler.jsonDocument(value));
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.diagnostics.add('reducer_error', `reducer failed on a frame: ${errorMessage(err)}`);
    }
  }
}
