import type { WireMessage, WireToolCall } from './wire';
import { contentBlocks } from './message';

interface ToolCallFragments {
  id?: string;
  type?: string;
  name?: string;
  arguments: string[];
  input: string[];
}

/**
 * Folds the `delta`s of one streamed choice back into the message a one-shot completion would
 * have carried, so both forms go through the same block mapping ({@link chatMessageBlocks}).
 *
 * - `content`: concatenated; it stays `null` unless some delta carried a string. OpenAI opens a
 *   text turn with `"content": ""` and a tool-call turn with `"content": null`, exactly mirroring
 *   the one-shot `content` of `""`/text versus `null`, so "a string was seen" is what makes the
 *   streamed text block appear or not (one-shot `""` is a text block, ref §3.2).
 * - `tool_calls`: grouped by `index`; `id`, `type` and `name` come from the first fragment that
 *   has them, `arguments` (or a custom tool's `input`) are concatenated and parsed only at the end.
 *   Servers that omit `index` are handled too: a new `id` opens a new call, a fragment without one
 *   continues the last.
 */
export class ChoiceAccumulator {
  private role: string | undefined;
  private sawContent = false;
  private readonly content: string[] = [];
  private readonly refusal: string[] = [];
  private readonly reasoning: string[] = [];
  private readonly toolCalls = new Map<number, ToolCallFragments>();
  private lastToolSlot: number | undefined;
  private functionCall: ToolCallFragments | undefined;
  private finish: string | undefined;

  get finishReason(): string | undefined {
    return this.finish;
  }

  apply(delta: WireMessage, finishReason: string | undefined): void {
    if (!this.role && delta.role) this.role = delta.role;
    if (typeof delta.content === 'string') {
      this.sawContent = true;
      this.content.push(delta.content);
    } else if (Array.isArray(delta.content)) {
      // A few compatible servers stream content as part arrays; their text is what accumulates.
      this.sawContent = true;
      for (const block of contentBlocks(delta.content)) if (block.type === 'text' && block.text) this.content.push(block.text);
    }
    if (delta.refusal) this.refusal.push(delta.refusal);
    if (delta.reasoning) this.reasoning.push(delta.reasoning);
    for (const call of delta.toolCalls) this.addFragment(this.toolSlot(call), call);
    if (delta.functionCall) {
      this.functionCall ??= { type: 'function', arguments: [], input: [] };
      mergeFragment(this.functionCall, delta.functionCall);
    }
    if (finishReason) this.finish = finishReason;
  }

  /** The message as a one-shot completion would carry it. */
  message(): WireMessage {
    const message: WireMessage = {
      content: this.sawContent ? this.content.join('') : null,
      toolCalls: [...this.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, fragments]) => toolCall(fragments)),
    };
    if (this.role) message.role = this.role;
    if (this.refusal.length > 0) message.refusal = this.refusal.join('');
    if (this.reasoning.length > 0) message.reasoning = this.reasoning.join('');
    if (this.functionCall) message.functionCall = toolCall(this.functionCall);
    return message;
  }

  private toolSlot(call: WireToolCall): number {
    if (call.index !== undefined) return call.index;
    if (call.id) {
      for (const [slot, fragments] of this.toolCalls) if (fragments.id === call.id) return slot;
      return this.toolCalls.size === 0 ? 0 : Math.max(...this.toolCalls.keys()) + 1;
    }
    return this.lastToolSlot ?? 0;
  }

  private addFragment(slot: number, call: WireToolCall): void {
    let fragments = this.toolCalls.get(slot);
    if (!fragments) {
      fragments = { arguments: [], input: [] };
      this.toolCalls.set(slot, fragments);
    }
    this.lastToolSlot = slot;
    mergeFragment(fragments, call);
  }
}

function mergeFragment(fragments: ToolCallFragments, call: WireToolCall): void {
  if (!fragments.id && call.id) fragments.id = call.id;
  if (!fragments.type && call.type) fragments.type = call.type;
  if (!fragments.name && call.name) fragments.name = call.name;
  if (call.arguments) fragments.arguments.push(call.arguments);
  if (call.input) fragments.input.push(call.input);
}

function toolCall(fragments: ToolCallFragments): WireToolCall {
  const call: WireToolCall = { arguments: fragments.arguments.join(''), input: fragments.input.join('') };
  if (fragments.id) call.id = fragments.id;
  if (fragments.type) call.type = fragments.type;
  if (fragments.name) call.name = fragments.name;
  return call;
}
