import { asArray, asString, isRecord, tryParseJson, type JsonRecord } from '../../json';
import type { ToolInputProblem } from './content';
import type { BlockDelta } from './wire';

type DeltaType = Exclude<BlockDelta['type'], 'unknown'>;

/**
 * The block types each delta belongs to. A block of a type listed nowhere here has no canonical
 * mapping of its fields (it keeps them all in `data`), so it accepts any delta: whatever streams
 * into it is kept, not dropped.
 */
const DELTA_TARGETS: Record<DeltaType, readonly string[]> = {
  text_delta: ['text'],
  citations_delta: ['text'],
  thinking_delta: ['thinking'],
  signature_delta: ['thinking'],
  input_json_delta: ['tool_use', 'server_tool_use', 'mcp_tool_use'],
};
const MAPPED_BLOCK_TYPES = new Set(['image', 'tool_result', ...Object.values(DELTA_TARGETS).flat()]);

/** For each mapped block type, the deltas it takes (checked once per delta: keep it a set lookup). */
const ACCEPTED_DELTAS = new Map<string, ReadonlySet<DeltaType>>(
  [...MAPPED_BLOCK_TYPES].map((type) => [type, new Set((Object.keys(DELTA_TARGETS) as DeltaType[]).filter((delta) => DELTA_TARGETS[delta].includes(type)))]),
);

/** The block a delta for an index that was never opened implies (its `content_block_start` was lost). */
const SYNTHESIZED_TYPE: Record<DeltaType, string> = {
  text_delta: 'text',
  citations_delta: 'text',
  thinking_delta: 'thinking',
  signature_delta: 'thinking',
  input_json_delta: 'tool_use',
};

/**
 * One content block of a stream, reassembled from its `content_block_start` and deltas into the
 * wire form a one-shot response carries, so both go through the same mapping
 * ({@link contentBlockFromWire}). Deltas are collected as parts and joined once: a long tool input
 * arrives in thousands of fragments.
 */
export class StreamedBlock {
  private readonly textParts: string[] = [];
  private readonly thinkingParts: string[] = [];
  private readonly signatureParts: string[] = [];
  private readonly citations: unknown[] = [];
  private jsonFragments: string[] = [];
  /** The streamed tool input once settled: an object, or undefined after a problem was reported. */
  private streamedInput: { value: JsonRecord | undefined } | undefined;

  readonly type: string;
  /** The deltas this block takes; undefined for a type without a canonical mapping (takes any). */
  private readonly accepts: ReadonlySet<DeltaType> | undefined;

  constructor(private readonly start: JsonRecord) {
    this.type = asString(start['type']) ?? '';
    this.accepts = ACCEPTED_DELTAS.get(this.type);
  }

  /** For a delta whose index was never opened: an empty block of the type the delta implies. */
  static synthesizedFor(delta: DeltaType): StreamedBlock {
    return new StreamedBlock({ type: SYNTHESIZED_TYPE[delta] });
  }

  get toolUseId(): string {
    return asString(this.start['id']) ?? '';
  }

  /** Applies a delta; false when it does not belong to this type of block (and is dropped). */
  apply(delta: Exclude<BlockDelta, { type: 'unknown' }>): boolean {
    if (this.accepts && !this.accepts.has(delta.type)) return false;
    switch (delta.type) {
      case 'text_delta':
        this.textParts.push(delta.text);
        break;
      case 'citations_delta':
        this.citations.push(delta.citation);
        break;
      case 'thinking_delta':
        this.thinkingParts.push(delta.thinking);
        break;
      case 'signature_delta':
        this.signatureParts.push(delta.signature);
        break;
      case 'input_json_delta':
        this.jsonFragments.push(delta.partial_json);
        break;
    }
    return true;
  }

  /**
   * Parses the streamed tool input (at `content_block_stop`, or at the end of a cut stream) and
   * releases the fragments. Whitespace-only fragments mean no input, like none at all: the start's
   * own `input` then stands (`{}` placeholder → no tool_input). Input that is not a JSON object is
   * reported and left out, never guessed at.
   */
  settle(onBadToolInput: (problem: ToolInputProblem) => void): void {
    if (this.jsonFragments.length === 0) return;
    const raw = this.jsonFragments.join('');
    this.jsonFragments = [];
    if (raw.trim() === '') return;
    const parsed = tryParseJson(raw);
    if (parsed.ok && isRecord(parsed.value)) {
      this.streamedInput = { value: parsed.value };
      return;
    }
    this.streamedInput = { value: undefined };
    onBadToolInput({ tool_use_id: this.toolUseId, raw, error: parsed.ok ? 'tool input is not a JSON object' : parsed.error });
  }

  /** The block as a one-shot response would carry it. Call {@link settle} first. */
  toWire(): JsonRecord {
    const wire: JsonRecord = { ...this.start };
    if (this.textParts.length > 0) wire['text'] = (asString(this.start['text']) ?? '') + this.textParts.join('');
    if (this.thinkingParts.length > 0) wire['thinking'] = (asString(this.start['thinking']) ?? '') + this.thinkingParts.join('');
    // Appended, as tapes did: the signature normally arrives whole in one delta after an empty start.
    if (this.signatureParts.length > 0) wire['signature'] = (asString(this.start['signature']) ?? '') + this.signatureParts.join('');
    if (this.citations.length > 0) wire['citations'] = [...asArray(this.start['citations']), ...this.citations];
    if (this.streamedInput) {
      if (this.streamedInput.value) wire['input'] = this.streamedInput.value;
      else delete wire['input'];
    }
    return wire;
  }
}
