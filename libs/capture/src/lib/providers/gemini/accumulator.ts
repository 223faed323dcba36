import type { ContentBlock } from '@tapes/llm';
import { blockFromPart, type ToolInputProblem } from './content';
import type { WirePart } from './wire';

/** A text or thinking block model text still flows into. */
interface OpenText {
  field: 'text' | 'thinking';
  pieces: string[];
  signature: string | undefined;
}

/**
 * Folds parts into canonical blocks. A Gemini stream carries no part indexes: each chunk holds the
 * next parts, and a text part in one chunk may continue the text of the last, or be a new part —
 * nothing on the wire tells. So for model output (`merge`: a candidate's parts, streamed or
 * one-shot, and a `model` turn replayed in a request) the canonical form is the one every
 * chunking agrees on:
 *
 * - adjacent text parts are one `text` block, adjacent thought parts (`"thought": true`) one
 *   `thinking` block; any other part (a function call, an image) ends the run;
 * - a `thoughtSignature` stays on the block its part lands in, as `thinking_signature`. Gemini puts
 *   it on the first text part after thinking, on the first function call, or — streaming — on an
 *   empty text part of the last chunk: in each case the same block gets it, streamed or one-shot.
 *   Only a second signature for a block that has one starts a new block, since the two parts
 *   cannot have been one;
 * - an empty text part without a signature is nothing (streams end with `{"text": ""}`).
 *
 * Why `thinking_signature` on a text or tool_use block: it is the canonical field for a
 * provider's opaque reasoning signature (hashed, ref §2.3), and Gemini binds the signature to the
 * part it came on — it must be replayed on that very part — so keeping it on that block keeps
 * its position; a separate thinking block would invent a part Gemini never sent.
 *
 * Client-authored content (`merge` false: user turns) maps one part to one block: its part
 * boundaries are real and never re-chunked.
 */
export class PartAccumulator {
  private readonly done: ContentBlock[] = [];
  private open: OpenText | undefined;

  constructor(
    private readonly merge: boolean,
    private readonly onToolInputProblem: (problem: ToolInputProblem) => void,
  ) {}

  add(part: WirePart): void {
    if (part.kind !== 'text') {
      this.close();
      this.done.push(blockFromPart(part, this.onToolInputProblem));
      return;
    }
    if (part.text === '' && !part.signature) return;
    const field = part.thought ? 'thinking' : 'text';
    const open = this.open;
    if (this.merge && open && open.field === field && !(open.signature && part.signature)) {
      open.pieces.push(part.text);
      open.signature ??= part.signature;
      return;
    }
    this.close();
    this.open = { field, pieces: [part.text], signature: part.signature };
    if (!this.merge) this.close();
  }

  /** The blocks in part order. Ends the open run: call once, after the last part. */
  blocks(): ContentBlock[] {
    this.close();
    return [...this.done];
  }

  private close(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const block: ContentBlock = { type: open.field };
    const text = open.pieces.join('');
    if (text) block[open.field] = text;
    if (open.signature) block.thinking_signature = open.signature;
    this.done.push(block);
  }
}
