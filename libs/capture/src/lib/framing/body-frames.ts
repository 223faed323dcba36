import type { ChatResponse, Diagnostic } from '@tapes/llm';
import { Diagnostics } from '../diagnostics';
import type { BodyFormat } from './body-format';
import { FramedReduction } from './framed-reduction';
import type { SseEvent, TurnAssembler } from './turn-assembler';

/** One frame of a response body as the reducers' framing saw it. */
export interface BodyFrame {
  /** The SSE `event:` field; null for NDJSON lines, a one-shot document, and SSE events without one. */
  event: string | null;
  /** The frame's data parsed as JSON when it is JSON (SSE data usually is), else the text. */
  data: unknown;
}

export interface BodyFrames {
  /** The framing the body was read with (sniffed as the reducers sniff it); null for an empty body. */
  format: BodyFormat | null;
  frames: BodyFrame[];
  /** Frames the body held in all (more than `frames.length` when cut at `maxFrames`). */
  total: number;
  /** What the framing itself reported: lines it could not parse, an empty or non-JSON body. */
  diagnostics: Diagnostic[];
}

export interface BodyFramesOptions {
  contentType?: string | undefined;
  /** How a `{`-body without a telling content type is framed (the reducer's own rule: NDJSON for Ollama). */
  ambiguousJson?: BodyFormat;
  /** Keep at most this many frames (default 5,000); `total` still counts them all. */
  maxFrames?: number;
}

/**
 * A decoded response body split into the frames a reducer is fed — SSE events, NDJSON lines, or
 * the one-shot document — for people to read (the viewer's Turn page, #15). It runs the very
 * framing every reduction uses ({@link FramedReduction}: the same sniffing, SSE parser and line
 * splitter), with an assembler that records instead of reducing, so what is shown is exactly what
 * the reducer saw. A body that is not JSON where JSON was expected (an HTML error page) comes back
 * as one text frame.
 */
export function bodyFrames(body: Uint8Array | string, options: BodyFramesOptions = {}): BodyFrames {
  const recorder = new FrameRecorder(options.maxFrames ?? 5_000);
  const diagnostics = new Diagnostics();
  const reduction = new FramedReduction(recorder, diagnostics, { contentType: options.contentType, ambiguousJson: options.ambiguousJson ?? 'json', maxBytes: Number.MAX_SAFE_INTEGER });
  reduction.push(body);
  reduction.finish();
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const format = recorder.format ?? (text.trim() === '' ? null : 'json');
  // The one-shot path reports a body that is not JSON as a diagnostic and hands nothing over: show its text.
  if (format === 'json' && recorder.total === 0 && text.trim() !== '') recorder.add(null, text);
  return { format, frames: recorder.frames, total: recorder.total, diagnostics: diagnostics.list() };
}

class FrameRecorder implements TurnAssembler {
  readonly frames: BodyFrame[] = [];
  total = 0;
  format: BodyFormat | undefined;

  constructor(private readonly maxFrames: number) {}

  add(event: string | null, data: unknown): void {
    this.total += 1;
    if (this.frames.length < this.maxFrames) this.frames.push({ event, data });
  }

  sseEvent(event: SseEvent): void {
    this.format = 'sse';
    this.add(event.event ?? null, parseIfJson(event.data));
  }

  ndjsonValue(value: unknown): void {
    this.format = 'ndjson';
    this.add(null, value);
  }

  jsonDocument(value: unknown): void {
    this.format = 'json';
    this.add(null, value);
  }

  finish(): ChatResponse {
    return { model: '', message: { role: 'assistant', content: [] }, done: true, diagnostics: [] };
  }
}

function parseIfJson(data: string): unknown {
  const trimmed = data.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return data;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return data;
  }
}
