import type { ChatResponse } from '@tapes/llm';

/** One Server-Sent Event as framed by eventsource-parser. */
export interface SseEvent {
  /** The `event:` field; undefined when absent (the type is then usually inside `data`). */
  event?: string | undefined;
  data: string;
}

/**
 * The provider-specific half of a reduction: a state machine fed whole frames. The framing half
 * ({@link FramedReduction}) turns bytes into frames, so every provider shares one SSE parser, one
 * NDJSON splitter and one sniffing rule. Implementations report bad frames as diagnostics (they
 * are given a `Diagnostics` when constructed) and must not throw.
 */
export interface TurnAssembler {
  /** One SSE event. */
  sseEvent(event: SseEvent): void;
  /** One parsed NDJSON line. */
  ndjsonValue(value: unknown): void;
  /** The whole one-shot body, parsed. */
  jsonDocument(value: unknown): void;
  /** Builds the response from what was seen (complete or partial). Called once. */
  finish(): ChatResponse;
}
