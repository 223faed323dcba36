import type { ChatResponse, Usage } from '@tapes/llm';
import { excerpt, type Diagnostics } from '../../diagnostics';
import type { SseEvent, TurnAssembler } from '../../framing/turn-assembler';
import { isRecord, tryParseJson } from '../../json';
import { PartAccumulator } from './accumulator';
import { canonicalRole, type ToolInputProblem } from './content';
import { geminiUsage } from './usage';
import { decodePart, decodeResponse, describeGoogleError, type WireCandidate } from './wire';

/**
 * Reduces one Gemini `generateContent` / `streamGenerateContent` turn. Every form is a sequence of
 * GenerateContentResponse objects folded the same way, so a turn reduces to one message (and one
 * node hash) whichever form it came in:
 * - a one-shot body: one object;
 * - `?alt=sse`: one object per `data:` event (no `[DONE]`; the last chunk carries `finishReason`);
 * - `streamGenerateContent` without `alt=sse`: a JSON array of the chunks, each element folded in turn.
 *
 * - The turn's message is candidate 0; other candidates (`candidateCount` > 1) are counted in an
 *   `extra_choices` diagnostic.
 * - Done when candidate 0 reports a `finishReason`, or when the prompt was blocked
 *   (`promptFeedback.blockReason`, no candidate): either way Gemini ended the turn. The stop
 *   reason is the `finishReason` lower-cased (`STOP` → `stop`, `MAX_TOKENS` → `max_tokens`): the
 *   enum's words, spelt like the other providers' stop reasons; a blocked prompt is
 *   `prompt_<blockReason>` (`prompt_safety`). Ending without either is `incomplete`.
 * - `usageMetadata` arrives on every chunk, cumulative: the last one stands.
 * - `{"error": {code, message, status}}` — the whole body, an array element, or an SSE chunk — is
 *   an `upstream_error`; the turn is then not done and its stop reason is `error`.
 */
export class GeminiTurnAssembler implements TurnAssembler {
  private readonly parts = new PartAccumulator(true, (problem) => this.reportToolInput(problem));
  private readonly extraCandidates = new Set<number>();
  private form: 'stream' | 'json' | undefined;
  private sawResponse = false;
  private role: string | undefined;
  private finishReason: string | undefined;
  private blockReason: string | undefined;
  private upstreamError = false;
  private model: string | undefined;
  private id: string | undefined;
  private usage: Usage | undefined;

  constructor(private readonly diagnostics: Diagnostics) {}

  sseEvent(event: SseEvent): void {
    this.form = 'stream';
    const data = event.data.trim();
    if (data === '') return;
    const parsed = tryParseJson(data);
    if (!parsed.ok) {
      this.diagnostics.add('parse_error', `a chunk is not JSON (${parsed.error}): ${excerpt(data)}`);
      return;
    }
    this.chunk(parsed.value);
  }

  /** Gemini sends no NDJSON; a gateway re-framing the stream would send the same chunks per line. */
  ndjsonValue(value: unknown): void {
    this.form = 'stream';
    this.chunk(value);
  }

  jsonDocument(document: unknown): void {
    if (Array.isArray(document)) {
      // streamGenerateContent without alt=sse: the chunks of a stream, as one array.
      this.form = 'stream';
      if (document.length === 0) this.diagnostics.add('empty_response', 'the body is an empty JSON array: no response chunks');
      for (const element of document) this.chunk(element);
      return;
    }
    this.form = 'json';
    if (!isRecord(document)) {
      this.diagnostics.add('empty_response', `the body is JSON but not a Gemini response: ${excerpt(JSON.stringify(document) ?? '')}`);
      return;
    }
    this.chunk(document);
  }

  finish(): ChatResponse {
    if (this.extraCandidates.size > 0) {
      const indices = [...this.extraCandidates].sort((a, b) => a - b);
      this.diagnostics.add('extra_choices', `${indices.length} more candidate(s) (index ${indices.join(', ')}) are not part of the turn's message`, { count: indices.length, indices });
    }
    const ended = this.finishReason !== undefined || this.blockReason !== undefined;
    const incomplete = !ended && !this.upstreamError && this.sawResponse;
    if (incomplete) this.diagnostics.add('incomplete', this.form === 'json' ? 'the response has no finishReason' : 'the stream ended before a chunk with a finishReason');
    if (!this.sawResponse && !this.upstreamError && !this.diagnostics.has('empty_response')) {
      this.diagnostics.add('empty_response', this.form === 'json' ? 'the body is not a Gemini response' : 'the stream carried no response chunks');
    }
    const response: ChatResponse = {
      model: this.model ?? '',
      message: { role: canonicalRole(this.role ?? 'model'), content: this.parts.blocks() },
      done: ended && !this.upstreamError,
      diagnostics: [],
    };
    const stopReason = this.upstreamError ? 'error' : this.stopReason() ?? (incomplete ? 'incomplete' : undefined);
    if (stopReason) response.stop_reason = stopReason;
    if (this.usage) response.usage = this.usage;
    if (this.id) response.id = this.id;
    response.diagnostics = this.diagnostics.list();
    return response;
  }

  private stopReason(): string | undefined {
    if (this.finishReason !== undefined) return this.finishReason.toLowerCase();
    if (this.blockReason !== undefined) return `prompt_${this.blockReason.toLowerCase()}`;
    return undefined;
  }

  private chunk(value: unknown): void {
    if (!isRecord(value)) {
      this.diagnostics.add('parse_error', `a chunk is JSON but not an object: ${excerpt(JSON.stringify(value) ?? '')}`);
      return;
    }
    const response = decodeResponse(value);
    switch (response.kind) {
      case 'error':
        this.upstreamError = true;
        this.diagnostics.add('upstream_error', `the provider sent an error: ${describeGoogleError(response.error)}`, { error: response.error });
        return;
      case 'foreign':
        if (this.form === 'json') this.diagnostics.add('empty_response', `the body is JSON but not a Gemini response: ${excerpt(JSON.stringify(value))}`);
        else this.diagnostics.add('unknown_event', `a chunk with no candidates, usage or prompt feedback: ${excerpt(JSON.stringify(value))}`);
        return;
      case 'response':
        break;
    }
    this.sawResponse = true;
    this.model ||= response.modelVersion;
    this.id ||= response.responseId;
    if (response.usage) this.usage = geminiUsage(response.usage);
    if (response.blockReason) this.blockReason = response.blockReason;
    for (const candidate of response.candidates) {
      if (candidate.index === 0) this.applyCandidate(candidate);
      else this.extraCandidates.add(candidate.index);
    }
  }

  private applyCandidate(candidate: WireCandidate): void {
    if (candidate.role) this.role ??= candidate.role;
    for (const part of candidate.parts) this.parts.add(decodePart(part));
    if (candidate.skippedParts > 0) this.diagnostics.add('parse_error', `${candidate.skippedParts} part(s) are not objects and were skipped`);
    if (candidate.finishReason) this.finishReason = candidate.finishReason;
  }

  private reportToolInput(problem: ToolInputProblem): void {
    this.diagnostics.add('tool_input_parse_error', `function call ${problem.tool_use_id ?? problem.tool_name ?? '(unnamed)'} has args that are not a JSON object: ${problem.error}`, { ...problem });
  }
}
