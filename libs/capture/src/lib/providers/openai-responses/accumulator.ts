import type { JsonRecord } from '../../json';

/** Text that arrives as deltas and may be settled by a `….done` event carrying the whole of it. */
class Fragments {
  private readonly parts: string[] = [];
  private whole: string | undefined;

  append(delta: string): void {
    if (this.whole === undefined) this.parts.push(delta);
  }

  settle(text: string): void {
    this.whole = text;
    this.parts.length = 0;
  }

  get seen(): boolean {
    return this.whole !== undefined || this.parts.length > 0;
  }

  text(): string {
    return this.whole ?? this.parts.join('');
  }
}

interface PendingPart {
  /** The part as announced by `response.content_part.added` (or synthesized from a delta). */
  part: JsonRecord;
  text: Fragments;
  annotations: unknown[];
}

interface PendingItem {
  /** The item as announced by `response.output_item.added`, then as sent by `….done`. */
  item: JsonRecord;
  done: boolean;
  parts: Map<number, PendingPart>;
  arguments: Fragments;
  input: Fragments;
  summary: Map<number, Fragments>;
  reasoning: Map<number, Fragments>;
}

/**
 * The output items of a Responses stream, rebuilt from its delta events. It is the fallback for a
 * stream cut before its terminal event, and for backends whose terminal `response` leaves
 * `output` empty (the ChatGPT Codex backend with `store: false`). An item finished by
 * `response.output_item.done` is taken whole from that event; an unfinished one is synthesized
 * from what its deltas carried, in the shape the `done` event would have had, so it maps to blocks
 * exactly as a finished item does.
 */
export class StreamedOutput {
  private readonly items = new Map<number, PendingItem>();

  itemAdded(outputIndex: number, item: JsonRecord): void {
    const pending = this.pending(outputIndex);
    if (!pending.done) pending.item = { ...pending.item, ...item };
  }

  itemDone(outputIndex: number, item: JsonRecord): void {
    const pending = this.pending(outputIndex);
    pending.item = item;
    pending.done = true;
    // The finished item carries everything; the deltas need not be kept.
    pending.parts.clear();
    pending.summary.clear();
    pending.reasoning.clear();
  }

  contentPart(outputIndex: number, contentIndex: number, part: JsonRecord): void {
    const pendingPart = this.part(outputIndex, contentIndex, part['type'] === 'refusal' ? 'refusal' : 'output_text');
    if (!pendingPart) return;
    pendingPart.part = { ...pendingPart.part, ...part };
    const text = typeof part['text'] === 'string' ? part['text'] : part['refusal'];
    // `content_part.added` carries an empty placeholder; only a non-empty text settles the part.
    if (typeof text === 'string' && text !== '') pendingPart.text.settle(text);
  }

  textDelta(outputIndex: number, contentIndex: number, kind: 'output_text' | 'refusal', delta: string): void {
    this.part(outputIndex, contentIndex, kind)?.text.append(delta);
  }

  textDone(outputIndex: number, contentIndex: number, kind: 'output_text' | 'refusal', text: string): void {
    this.part(outputIndex, contentIndex, kind)?.text.settle(text);
  }

  annotationAdded(outputIndex: number, contentIndex: number, annotation: unknown): void {
    this.part(outputIndex, contentIndex, 'output_text')?.annotations.push(annotation);
  }

  argumentsDelta(outputIndex: number, kind: 'function_call' | 'custom_tool_call', delta: string): void {
    this.toolText(outputIndex, kind)?.append(delta);
  }

  argumentsDone(outputIndex: number, kind: 'function_call' | 'custom_tool_call', text: string): void {
    this.toolText(outputIndex, kind)?.settle(text);
  }

  reasoningDelta(outputIndex: number, kind: 'summary' | 'reasoning', index: number, delta: string): void {
    this.reasoningText(outputIndex, kind, index)?.append(delta);
  }

  reasoningDone(outputIndex: number, kind: 'summary' | 'reasoning', index: number, text: string): void {
    this.reasoningText(outputIndex, kind, index)?.settle(text);
  }

  /** The output items in `output_index` order, finished or synthesized. */
  outputItems(): JsonRecord[] {
    return [...this.items.entries()].sort(([a], [b]) => a - b).map(([, pending]) => (pending.done ? pending.item : synthesize(pending)));
  }

  private pending(outputIndex: number): PendingItem {
    let pending = this.items.get(outputIndex);
    if (!pending) {
      pending = { item: {}, done: false, parts: new Map(), arguments: new Fragments(), input: new Fragments(), summary: new Map(), reasoning: new Map() };
      this.items.set(outputIndex, pending);
    }
    return pending;
  }

  /** The pending item a delta applies to; undefined once the item is done (its deltas are moot). */
  private open(outputIndex: number, type: string): PendingItem | undefined {
    const pending = this.pending(outputIndex);
    if (pending.done) return undefined;
    // A delta whose `output_item.added` was never seen still tells what kind of item it is.
    if (typeof pending.item['type'] !== 'string') pending.item['type'] = type;
    return pending;
  }

  private part(outputIndex: number, contentIndex: number, kind: 'output_text' | 'refusal'): PendingPart | undefined {
    const pending = this.open(outputIndex, 'message');
    if (!pending) return undefined;
    let part = pending.parts.get(contentIndex);
    if (!part) {
      part = { part: { type: kind }, text: new Fragments(), annotations: [] };
      pending.parts.set(contentIndex, part);
    }
    return part;
  }

  private toolText(outputIndex: number, kind: 'function_call' | 'custom_tool_call'): Fragments | undefined {
    const pending = this.open(outputIndex, kind);
    if (!pending) return undefined;
    return kind === 'function_call' ? pending.arguments : pending.input;
  }

  private reasoningText(outputIndex: number, kind: 'summary' | 'reasoning', index: number): Fragments | undefined {
    const pending = this.open(outputIndex, 'reasoning');
    if (!pending) return undefined;
    const texts = kind === 'summary' ? pending.summary : pending.reasoning;
    let fragments = texts.get(index);
    if (!fragments) {
      fragments = new Fragments();
      texts.set(index, fragments);
    }
    return fragments;
  }
}

function synthesize(pending: PendingItem): JsonRecord {
  const item: JsonRecord = { ...pending.item };
  switch (item['type']) {
    case 'message':
      if (pending.parts.size > 0) item['content'] = inOrder(pending.parts).map(partOf);
      break;
    case 'function_call':
      if (pending.arguments.seen) item['arguments'] = pending.arguments.text();
      break;
    case 'custom_tool_call':
      if (pending.input.seen) item['input'] = pending.input.text();
      break;
    case 'reasoning':
      if (pending.summary.size > 0) item['summary'] = inOrder(pending.summary).map((f) => ({ type: 'summary_text', text: f.text() }));
      if (pending.reasoning.size > 0) item['content'] = inOrder(pending.reasoning).map((f) => ({ type: 'reasoning_text', text: f.text() }));
      break;
  }
  return item;
}

function partOf(pending: PendingPart): JsonRecord {
  const part: JsonRecord = { ...pending.part };
  if (part['type'] === 'refusal') part['refusal'] = pending.text.text();
  else part['text'] = pending.text.text();
  if (pending.annotations.length > 0) part['annotations'] = pending.annotations;
  return part;
}

function inOrder<T>(map: Map<number, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
}
