import type { ChatResponse, ContentBlock } from '@tapes/llm';
import { errorMessage, excerpt, type Diagnostics } from '../../diagnostics';
import type { SseEvent, TurnAssembler } from '../../framing/turn-assembler';
import { asString, isRecord, type JsonRecord } from '../../json';
import { contentBlockFromWire, type ToolInputProblem } from './content';
import {
  decodeMessageHead,
  decodeStreamEvent,
  decodeUpstreamError,
  type MessageHead,
  type StreamEvent,
  type UpstreamError,
  type WireTokenCounts,
} from './wire';
import { usageFromTokenCounts } from './usage';
import { StreamedBlock } from './accumulator';

/**
 * The per-turn state machine of the Anthropic Messages API (ref §4.2, and beyond it where #192
 * lost data). It takes either stream events (SSE, or NDJSON lines of the same objects) or one whole
 * one-shot response, and builds the canonical response from what it saw, complete or not.
 *
 * Bad frames become diagnostics and the stream carries on: one bad frame must not erase the turn.
 */
export class AnthropicTurnAssembler implements TurnAssembler {
  private mode: 'none' | 'stream' | 'document' = 'none';
  private id: string | undefined;
  private model: string | undefined;
  private role: string | undefined;
  private stopReason: string | undefined;
  private stopSequence: string | undefined;
  private readonly tokens: WireTokenCounts = {};
  private sawUsage = false;
  /** Stream blocks by index; emitted in index order, gaps skipped. */
  private readonly blocks = new Map<number, StreamedBlock>();
  private documentContent: ContentBlock[] = [];
  private sawMessageStop = false;
  /** The one-shot body was a Messages response (not an error body, not some other JSON). */
  private sawMessage = false;
  private upstreamError: UpstreamError | undefined;

  constructor(private readonly diagnostics: Diagnostics) {}

  sseEvent(event: SseEvent): void {
    if (this.mode === 'none') this.mode = 'stream';
    // JSON.parse of each frame is most of a stream's cost: called directly, without a result wrapper.
    let value: unknown;
    let error: string | undefined;
    try {
      value = JSON.parse(event.data);
    } catch (err) {
      error = errorMessage(err);
    }
    const data = isRecord(value) ? value : undefined;
    if (!data) {
      const why = error === undefined ? 'is not a JSON object' : `is not JSON (${error})`;
      this.diagnostics.add('parse_error', `${event.event ?? 'untyped'} event data ${why}: ${excerpt(event.data)}`, { event: event.event ?? '' });
      // The end-of-turn marker is the event name itself; its payload carries nothing else.
      if (event.event === 'message_stop') this.sawMessageStop = true;
      return;
    }
    this.streamObject(event.event || asString(data['type']) || '', data);
  }

  /** An NDJSON line holds what an SSE event's data holds (a gateway re-framing the stream). */
  ndjsonValue(value: unknown): void {
    if (this.mode === 'none' && isRecord(value) && value['type'] === 'message') {
      this.jsonDocument(value);
      return;
    }
    if (this.mode === 'none') this.mode = 'stream';
    if (!isRecord(value)) {
      this.diagnostics.add('parse_error', `NDJSON line is not a JSON object: ${excerpt(JSON.stringify(value) ?? '')}`);
      return;
    }
    this.streamObject(asString(value['type']) ?? '', value);
  }

  jsonDocument(value: unknown): void {
    this.mode = 'document';
    if (!isRecord(value)) {
      this.diagnostics.add('empty_response', `the body is JSON but not an Anthropic Messages response: ${excerpt(JSON.stringify(value) ?? '')}`);
      return;
    }
    if (value['type'] === 'error') {
      this.recordUpstreamError(decodeUpstreamError(value));
      return;
    }
    if (value['type'] !== 'message' && !Array.isArray(value['content'])) {
      this.diagnostics.add('empty_response', `the body is JSON but not an Anthropic Messages response: ${excerpt(JSON.stringify(value))}`);
      return;
    }
    const head = decodeMessageHead(value);
    this.sawMessage = true;
    this.applyHead(head);
    if (head.usage) this.addTokens(head.usage, true);
    this.documentContent = head.content.map((block) => contentBlockFromWire(block, this.reportToolInput));
    if (head.skippedContent > 0) this.diagnostics.add('parse_error', `${head.skippedContent} content entries are not objects and were skipped`);
  }

  finish(): ChatResponse {
    const content = this.mode === 'document' ? this.documentContent : this.streamedContent();
    if (this.mode === 'stream' && !this.sawMessageStop && !this.upstreamError) {
      this.diagnostics.add('incomplete', 'the stream ended before message_stop');
      this.stopReason ??= 'incomplete';
    }
    if (this.mode === 'none' && this.diagnostics.list().length === 0) {
      this.diagnostics.add('empty_response', 'the response carried no events and no JSON body');
    }
    const endSeen = this.mode === 'document' ? this.sawMessage : this.sawMessageStop;
    const response: ChatResponse = {
      model: this.model ?? '',
      message: { role: this.role ?? 'assistant', content },
      done: endSeen && !this.upstreamError,
      diagnostics: this.diagnostics.list(),
    };
    if (this.stopReason) response.stop_reason = this.stopReason;
    if (this.stopSequence !== undefined) response.stop_sequence = this.stopSequence;
    if (this.sawUsage) response.usage = usageFromTokenCounts(this.tokens);
    if (this.id) response.id = this.id;
    return response;
  }

  private streamObject(eventType: string, data: JsonRecord): void {
    if (eventType === '') {
      this.diagnostics.add('unknown_event', `an event without a type: ${excerpt(JSON.stringify(data))}`);
      return;
    }
    const event = decodeStreamEvent(eventType, data);
    switch (event.type) {
      case 'invalid':
        this.diagnostics.add('parse_error', `${event.eventType} event has ${event.reason}: ${excerpt(JSON.stringify(data))}`, { event: event.eventType });
        return;
      case 'unknown':
        this.diagnostics.add('unknown_event', `unknown event type ${event.eventType}`, { event: event.eventType });
        return;
      default:
        this.streamEvent(event);
    }
  }

  private streamEvent(event: StreamEvent): void {
    switch (event.type) {
      case 'message_start':
        this.applyHead(event.message);
        // message_start's output_tokens is a placeholder; the real count comes with message_delta.
        if (event.message.usage) this.addTokens(event.message.usage, false);
        event.message.content.forEach((block, index) => this.blocks.set(index, new StreamedBlock(block)));
        if (event.message.skippedContent > 0) this.diagnostics.add('parse_error', `message_start has ${event.message.skippedContent} content entries that are not objects`);
        break;
      case 'content_block_start':
        // A second start for an index replaces the block, as in tapes.
        this.blocks.set(event.index, new StreamedBlock(event.block));
        break;
      case 'content_block_delta':
        this.applyDelta(event);
        break;
      case 'content_block_stop':
        this.blocks.get(event.index)?.settle(this.reportToolInput);
        break;
      case 'message_delta':
        if (event.stop_reason) this.stopReason = event.stop_reason;
        if (event.stop_sequence !== undefined) this.stopSequence = event.stop_sequence;
        if (event.usage) this.addTokens(event.usage, true);
        break;
      case 'message_stop':
        this.sawMessageStop = true;
        break;
      case 'ping':
        break;
      case 'error':
        this.recordUpstreamError(event.error);
        break;
    }
  }

  private applyDelta(event: Extract<StreamEvent, { type: 'content_block_delta' }>): void {
    const { index, delta } = event;
    if (delta.type === 'unknown') {
      this.diagnostics.add('unknown_event', `content_block_delta of unknown type ${delta.wireType || '(none)'} at index ${index}`, { event: 'content_block_delta', delta: delta.wireType });
      return;
    }
    let block = this.blocks.get(index);
    if (!block) {
      block = StreamedBlock.synthesizedFor(delta.type);
      this.blocks.set(index, block);
    }
    if (!block.apply(delta)) {
      this.diagnostics.add('unknown_event', `${delta.type} for a ${block.type} block at index ${index} was dropped`, { event: 'content_block_delta', delta: delta.type });
    }
  }

  private streamedContent(): ContentBlock[] {
    const indexes = [...this.blocks.keys()].sort((a, b) => a - b);
    return indexes.map((index) => {
      const block = this.blocks.get(index) as StreamedBlock;
      block.settle(this.reportToolInput);
      return contentBlockFromWire(block.toWire(), this.reportToolInput);
    });
  }

  private applyHead(head: MessageHead): void {
    if (head.id) this.id = head.id;
    if (head.model) this.model = head.model;
    if (head.role) this.role = head.role;
    if (head.stop_reason) this.stopReason = head.stop_reason;
    if (head.stop_sequence !== undefined) this.stopSequence = head.stop_sequence;
  }

  /** Later counts replace earlier ones (`message_delta` usage is cumulative). */
  private addTokens(counts: WireTokenCounts, withOutput: boolean): void {
    this.sawUsage = true;
    if (counts.input_tokens !== undefined) this.tokens.input_tokens = counts.input_tokens;
    if (counts.cache_creation_input_tokens !== undefined) this.tokens.cache_creation_input_tokens = counts.cache_creation_input_tokens;
    if (counts.cache_read_input_tokens !== undefined) this.tokens.cache_read_input_tokens = counts.cache_read_input_tokens;
    if (withOutput && counts.output_tokens !== undefined) this.tokens.output_tokens = counts.output_tokens;
    if (withOutput && counts.thinking_tokens !== undefined) this.tokens.thinking_tokens = counts.thinking_tokens;
  }

  private recordUpstreamError(error: UpstreamError): void {
    this.upstreamError = error;
    this.stopReason ??= 'error';
    const what = [error.type, error.message].filter(Boolean).join(': ') || 'no details';
    this.diagnostics.add('upstream_error', `the provider reported an error: ${what}`, { type: error.type, message: error.message });
  }

  private readonly reportToolInput = (problem: ToolInputProblem): void => {
    this.diagnostics.add('tool_input_parse_error', `tool input of ${problem.tool_use_id || 'a tool call'} is not a JSON object: ${problem.error}`, { ...problem });
  };
}
