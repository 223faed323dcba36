import type { ChatResponse } from '@tapes/llm';
import { excerpt, type Diagnostics } from '../../diagnostics';
import type { SseEvent, TurnAssembler } from '../../framing/turn-assembler';
import { asArray, asNumber, asRecord, asString, isRecord, tryParseJson, without, type JsonRecord } from '../../json';
import { describeOpenAIError, errorObjectOf } from '../openai/error';
import { outputItemBlocks } from './output-items';
import { isProgressEvent, isTerminalEvent, LIFECYCLE_EVENTS } from './wire';
import { responsesUsage } from './usage';
import { StreamedOutput } from './accumulator';

/**
 * Reduces one Responses API turn: an SSE stream of `response.*` events or a one-shot `response`
 * object.
 *
 * The terminal event (`response.completed`, `response.incomplete`, `response.failed`) carries the
 * whole response and is the source of truth. Its `output` is used when it has items; otherwise
 * (the stream was cut before it, or the ChatGPT Codex backend sent `output: []`) the items are
 * rebuilt from the deltas by {@link StreamedOutput}.
 *
 * Outcome by the response's `status`:
 * | status | done | stop_reason | diagnostic |
 * |---|---|---|---|
 * | `completed` | yes | `completed` | — |
 * | `incomplete` | yes: the provider ended the turn, as on a token limit | `incomplete_details.reason` (`max_output_tokens`, `content_filter`) or `incomplete` | — |
 * | `failed` | no | `failed` | `upstream_error` with the response's `error` |
 * | `cancelled`, `queued`, `in_progress` | no | the status | `incomplete` |
 * | no terminal event | no | `incomplete` (`error` after an `error` event) | `incomplete` (or the `upstream_error`) |
 */
export class OpenAIResponsesTurnAssembler implements TurnAssembler {
  private readonly output = new StreamedOutput();
  private readonly outputIndexByItemId = new Map<string, number>();
  private lastOutputIndex = 0;
  private form: 'stream' | 'json' | undefined;
  /** The terminal response (stream) or the whole body (one-shot). */
  private final: JsonRecord | undefined;
  private finalEvent: string | undefined;
  /** The response as announced by `response.created` / `response.in_progress`. */
  private announced: JsonRecord | undefined;
  private sawEvent = false;
  private upstreamError = false;

  constructor(private readonly diagnostics: Diagnostics) {}

  sseEvent(event: SseEvent): void {
    this.form = 'stream';
    const data = event.data.trim();
    // Some compatible servers end with the Chat Completions sentinel; it carries nothing.
    if (data === '' || data === '[DONE]') return;
    const parsed = tryParseJson(data);
    if (!parsed.ok) {
      this.diagnostics.add('parse_error', `an event is not JSON (${parsed.error}): ${excerpt(data)}`);
      return;
    }
    this.event(parsed.value, event.event);
  }

  ndjsonValue(value: unknown): void {
    this.form = 'stream';
    this.event(value, undefined);
  }

  jsonDocument(document: unknown): void {
    this.form = 'json';
    if (!isRecord(document)) {
      this.diagnostics.add('empty_response', `the body is JSON but not a response object: ${excerpt(JSON.stringify(document) ?? '')}`);
      return;
    }
    const error = errorObjectOf(document);
    const isResponse = document['object'] === 'response' || Array.isArray(document['output']);
    if (error && !isResponse) {
      this.reportUpstreamError(error);
      return;
    }
    if (!isResponse) {
      this.diagnostics.add('empty_response', `the body is not a response object: ${excerpt(JSON.stringify(document))}`);
      return;
    }
    this.final = document;
  }

  finish(): ChatResponse {
    const response = this.final ?? this.announced;
    const terminalOutput = asArray(this.final?.['output']).filter(isRecord);
    const items = terminalOutput.length > 0 || this.form === 'json' ? terminalOutput : this.output.outputItems();
    const content = items.flatMap((item) =>
      outputItemBlocks(item, (problem) =>
        this.diagnostics.add('tool_input_parse_error', `function call ${problem.tool_use_id ?? '(no call_id)'} has arguments that are not a JSON object: ${problem.error}`, {
          ...problem,
        }),
      ),
    );
    const { done, stopReason } = this.outcome();
    const result: ChatResponse = { model: asString(response?.['model']) ?? '', message: { role: 'assistant', content }, done, diagnostics: [] };
    if (stopReason) result.stop_reason = stopReason;
    const usage = responsesUsage(this.final?.['usage']);
    if (usage) result.usage = usage;
    const id = asString(response?.['id']);
    if (id) result.id = id;
    result.diagnostics = this.diagnostics.list();
    return result;
  }

  private outcome(): { done: boolean; stopReason: string | undefined } {
    if (!this.final) {
      if (this.upstreamError) return { done: false, stopReason: 'error' };
      if (this.form === 'json') return { done: false, stopReason: undefined };
      if (!this.sawEvent) {
        // An empty or comment-only event stream reaches no frame; framing reports an empty JSON body itself.
        if (!this.diagnostics.has('empty_response')) this.diagnostics.add('empty_response', 'the stream carried no events');
        return { done: false, stopReason: undefined };
      }
      this.diagnostics.add('incomplete', 'the stream ended before response.completed, response.incomplete or response.failed');
      return { done: false, stopReason: 'incomplete' };
    }
    const status = asString(this.final['status']) ?? statusOfEvent(this.finalEvent);
    switch (status) {
      case 'completed':
        return { done: !this.upstreamError, stopReason: 'completed' };
      case 'incomplete':
        return { done: !this.upstreamError, stopReason: asString(asRecord(this.final['incomplete_details'])?.['reason']) || 'incomplete' };
      case 'failed': {
        const error = errorObjectOf(this.final);
        if (error) this.reportUpstreamError(error);
        else this.diagnostics.add('upstream_error', 'the response failed without an error object');
        return { done: false, stopReason: 'failed' };
      }
      default:
        this.diagnostics.add('incomplete', `the response's status is ${status}, not a finished turn`);
        return { done: false, stopReason: status };
    }
  }

  private event(value: unknown, eventName: string | undefined): void {
    if (!isRecord(value)) {
      this.diagnostics.add('parse_error', `an event is JSON but not an object: ${excerpt(JSON.stringify(value) ?? '')}`);
      return;
    }
    this.sawEvent = true;
    const type = asString(value['type']) ?? eventName ?? '';
    if (LIFECYCLE_EVENTS.includes(type)) {
      this.announced = asRecord(value['response']) ?? this.announced;
      return;
    }
    if (isTerminalEvent(type)) {
      this.final = asRecord(value['response']) ?? {};
      this.finalEvent = type;
      return;
    }
    if (type === 'error') {
      this.reportUpstreamError(errorObjectOf(value) ?? without(value, ['type', 'sequence_number']) ?? {});
      return;
    }
    if (this.outputEvent(type, value)) return;
    if (isProgressEvent(type)) return;
    this.diagnostics.add('unknown_event', `an event of unknown type ${JSON.stringify(type)}: ${excerpt(JSON.stringify(value))}`);
  }

  /** Applies an event about an output item; false when `type` is not one. */
  private outputEvent(type: string, event: JsonRecord): boolean {
    const at = this.outputIndex(event);
    const contentIndex = asNumber(event['content_index']) ?? 0;
    const text = (key: string): string => asString(event[key]) ?? '';
    switch (type) {
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const item = asRecord(event['item']);
        if (!item) return true;
        const itemId = asString(item['id']);
        if (itemId) this.outputIndexByItemId.set(itemId, at);
        if (type === 'response.output_item.added') this.output.itemAdded(at, item);
        else this.output.itemDone(at, item);
        return true;
      }
      case 'response.content_part.added':
      case 'response.content_part.done': {
        const part = asRecord(event['part']);
        if (part) this.output.contentPart(at, contentIndex, part);
        return true;
      }
      case 'response.output_text.delta':
        this.output.textDelta(at, contentIndex, 'output_text', text('delta'));
        return true;
      case 'response.output_text.done':
        this.output.textDone(at, contentIndex, 'output_text', text('text'));
        return true;
      case 'response.output_text.annotation.added':
        this.output.annotationAdded(at, contentIndex, event['annotation']);
        return true;
      case 'response.refusal.delta':
        this.output.textDelta(at, contentIndex, 'refusal', text('delta'));
        return true;
      case 'response.refusal.done':
        this.output.textDone(at, contentIndex, 'refusal', text('refusal'));
        return true;
      case 'response.function_call_arguments.delta':
        this.output.argumentsDelta(at, 'function_call', text('delta'));
        return true;
      case 'response.function_call_arguments.done':
        this.output.argumentsDone(at, 'function_call', text('arguments'));
        return true;
      case 'response.custom_tool_call_input.delta':
        this.output.argumentsDelta(at, 'custom_tool_call', text('delta'));
        return true;
      case 'response.custom_tool_call_input.done':
        this.output.argumentsDone(at, 'custom_tool_call', text('input'));
        return true;
      case 'response.reasoning_summary_part.added':
      case 'response.reasoning_summary_part.done': {
        const partText = asString(asRecord(event['part'])?.['text']) ?? '';
        const summaryIndex = asNumber(event['summary_index']) ?? 0;
        if (partText) this.output.reasoningDone(at, 'summary', summaryIndex, partText);
        else this.output.reasoningDelta(at, 'summary', summaryIndex, '');
        return true;
      }
      case 'response.reasoning_summary_text.delta':
        this.output.reasoningDelta(at, 'summary', asNumber(event['summary_index']) ?? 0, text('delta'));
        return true;
      case 'response.reasoning_summary_text.done':
        this.output.reasoningDone(at, 'summary', asNumber(event['summary_index']) ?? 0, text('text'));
        return true;
      case 'response.reasoning_text.delta':
        this.output.reasoningDelta(at, 'reasoning', contentIndex, text('delta'));
        return true;
      case 'response.reasoning_text.done':
        this.output.reasoningDone(at, 'reasoning', contentIndex, text('text'));
        return true;
      default:
        return false;
    }
  }

  /** The item an event is about: its `output_index`, else the index its `item_id` was added at. */
  private outputIndex(event: JsonRecord): number {
    const itemId = asString(event['item_id']);
    const at = asNumber(event['output_index']) ?? (itemId !== undefined ? this.outputIndexByItemId.get(itemId) : undefined) ?? this.lastOutputIndex;
    this.lastOutputIndex = at;
    return at;
  }

  private reportUpstreamError(error: JsonRecord): void {
    this.upstreamError = true;
    this.diagnostics.add('upstream_error', `the provider sent an error: ${describeOpenAIError(error)}`, { error });
  }
}

function statusOfEvent(type: string | undefined): string {
  switch (type) {
    case 'response.incomplete':
      return 'incomplete';
    case 'response.failed':
      return 'failed';
    default:
      return 'completed';
  }
}
