import type { ChatResponse, Usage } from '@tapes/llm';
import { excerpt, type Diagnostics } from '../../diagnostics';
import type { SseEvent, TurnAssembler } from '../../framing/turn-assembler';
import { asString, isRecord, tryParseJson, type JsonRecord } from '../../json';
import { ChoiceAccumulator } from './accumulator';
import { chatMessageBlocks } from './message';
import { chatUsage } from '../openai/usage';
import { readChoices, type WireChoice, type WireMessage } from './wire';
import { describeOpenAIError, errorObjectOf } from '../openai/error';

/**
 * Reduces one Chat Completions turn: a `chat.completion.chunk` SSE stream or a one-shot
 * `chat.completion` body.
 *
 * - The turn's message is choice index 0. With `n` > 1 the other choices are not part of the DAG
 *   (a node holds one message); they are counted in an `extra_choices` diagnostic so such a
 *   capture is never mistaken for a clean one, and the raw bytes keep them.
 * - A stream is done at `[DONE]`. Ending with neither `[DONE]` nor a `finish_reason` for choice 0
 *   is `incomplete` (not done). Ending after `finish_reason` without `[DONE]` keeps the message as
 *   done — it is whole — but still reports `incomplete`: the body was cut, and the
 *   `stream_options.include_usage` chunk (`choices: []`, the only one with usage) comes after it.
 * - An `error` object — in a chunk, as an `event: error`, or as the whole JSON body — is an
 *   `upstream_error`; the turn is then not done and its stop reason is `error` (as tapes' Anthropic
 *   reducer, ref §4.2).
 */
export class OpenAIChatTurnAssembler implements TurnAssembler {
  private readonly choice = new ChoiceAccumulator();
  private readonly extraChoices = new Set<number>();
  private form: 'stream' | 'json' | undefined;
  private oneShot: WireChoice | undefined;
  private isCompletion = false;
  private sawChunk = false;
  private sawDone = false;
  private upstreamError = false;
  private id: string | undefined;
  private model: string | undefined;
  private usage: Usage | undefined;

  constructor(private readonly diagnostics: Diagnostics) {}

  sseEvent(event: SseEvent): void {
    this.form = 'stream';
    const data = event.data.trim();
    if (data === '') return;
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    const parsed = tryParseJson(data);
    if (!parsed.ok) {
      this.diagnostics.add('parse_error', `a chunk is not JSON (${parsed.error}): ${excerpt(data)}`);
      return;
    }
    this.chunk(parsed.value, event.event === 'error');
  }

  ndjsonValue(value: unknown): void {
    this.form = 'stream';
    this.chunk(value, false);
  }

  jsonDocument(document: unknown): void {
    this.form = 'json';
    if (!isRecord(document)) {
      this.diagnostics.add('empty_response', `the body is JSON but not a chat completion: ${excerpt(JSON.stringify(document) ?? '')}`);
      return;
    }
    const error = errorObjectOf(document);
    if (error) {
      this.reportUpstreamError(error);
      return;
    }
    if (document['object'] === 'chat.completion.chunk') {
      // A server that answered a non-streaming request with a single chunk.
      this.form = 'stream';
      this.chunk(document, false);
      return;
    }
    if (!Array.isArray(document['choices'])) {
      this.diagnostics.add('empty_response', `the body has no choices, so it is not a chat completion: ${excerpt(JSON.stringify(document))}`);
      return;
    }
    this.isCompletion = true;
    this.noteIdentity(document);
    this.usage = chatUsage(document['usage']);
    const choices = readChoices(document['choices'], 'message');
    this.oneShot = choices.find((c) => c.index === 0) ?? choices[0];
    for (const choice of choices) if (choice !== this.oneShot) this.extraChoices.add(choice.index);
    if (!this.oneShot) this.diagnostics.add('empty_response', 'the completion has no choices');
  }

  finish(): ChatResponse {
    if (this.extraChoices.size > 0) {
      const indices = [...this.extraChoices].sort((a, b) => a - b);
      this.diagnostics.add('extra_choices', `${indices.length} more choice(s) (index ${indices.join(', ')}) are not part of the turn's message`, {
        count: indices.length,
        indices,
      });
    }
    const wire: WireMessage = this.form === 'json' ? (this.oneShot?.message ?? { content: null, toolCalls: [] }) : this.choice.message();
    const content = chatMessageBlocks(wire, (problem) =>
      this.diagnostics.add('tool_input_parse_error', `tool call ${problem.tool_use_id ?? '(no id)'} has arguments that are not a JSON object: ${problem.error}`, {
        ...problem,
      }),
    );
    const finishReason = this.form === 'json' ? this.oneShot?.finishReason : this.choice.finishReason;
    const { done, incomplete } = this.outcome(finishReason);
    const response: ChatResponse = { model: this.model ?? '', message: { role: wire.role || 'assistant', content }, done, diagnostics: [] };
    const stopReason = finishReason ?? (this.upstreamError ? 'error' : incomplete ? 'incomplete' : undefined);
    if (stopReason) response.stop_reason = stopReason;
    if (this.usage) response.usage = this.usage;
    if (this.id) response.id = this.id;
    response.diagnostics = this.diagnostics.list();
    return response;
  }

  private outcome(finishReason: string | undefined): { done: boolean; incomplete: boolean } {
    if (this.upstreamError) return { done: false, incomplete: false };
    if (this.form === 'json') return { done: this.isCompletion, incomplete: false };
    if (!this.sawChunk) {
      // An empty or comment-only event stream reaches no frame; framing reports an empty JSON body itself.
      if (!this.diagnostics.has('empty_response')) this.diagnostics.add('empty_response', 'the stream carried no chunks');
      return { done: false, incomplete: false };
    }
    if (this.sawDone) return { done: true, incomplete: false };
    if (finishReason !== undefined) {
      // The message is whole, but OpenAI always ends with [DONE]: without it the body was cut,
      // and the include_usage chunk that follows finish_reason may be what was lost.
      this.diagnostics.add('incomplete', 'the stream ended after finish_reason but without [DONE]; a trailing usage chunk may be missing');
      return { done: true, incomplete: false };
    }
    this.diagnostics.add('incomplete', 'the stream ended before a finish_reason or [DONE]');
    return { done: false, incomplete: true };
  }

  private chunk(value: unknown, isErrorEvent: boolean): void {
    if (!isRecord(value)) {
      this.diagnostics.add('parse_error', `a chunk is JSON but not an object: ${excerpt(JSON.stringify(value) ?? '')}`);
      return;
    }
    this.sawChunk = true;
    const error = errorObjectOf(value) ?? (isErrorEvent ? value : undefined);
    if (error) {
      this.reportUpstreamError(error);
      return;
    }
    this.noteIdentity(value);
    const hasChoices = Array.isArray(value['choices']);
    if (!hasChoices && !isRecord(value['usage'])) {
      this.diagnostics.add('unknown_event', `a chunk with neither choices nor usage: ${excerpt(JSON.stringify(value))}`);
      return;
    }
    for (const choice of readChoices(value['choices'], 'delta')) {
      if (choice.index === 0) this.choice.apply(choice.message, choice.finishReason);
      else this.extraChoices.add(choice.index);
    }
    this.usage = chatUsage(value['usage']) ?? this.usage;
  }

  private noteIdentity(record: JsonRecord): void {
    this.id ||= asString(record['id']);
    this.model ||= asString(record['model']);
  }

  private reportUpstreamError(error: JsonRecord): void {
    this.upstreamError = true;
    this.diagnostics.add('upstream_error', `the provider sent an error: ${describeOpenAIError(error)}`, { error });
  }
}
