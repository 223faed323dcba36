import { contentCodingTokens } from './content-codings';
import { ContentDecoder, type ContentDecoderOptions } from './content-decoder';
import { codecMemory } from './codec-memory';
import { HeldDecodeBytes, initialReservation, type DecodeBudget } from './decode-budget';
import { DEFAULT_MAX_DECODED_BYTES, type DecodeErrorClass, type DecodeOutcome, type DecodeResult } from './decode-result';

export interface DecodedBody {
  outcome: DecodeOutcome;
  /** The decoded body; empty on `error` (a refused body has nothing keepable). */
  body: Buffer;
  errorClass?: DecodeErrorClass;
  message?: string;
}

export interface DecodeBodyOptions extends Omit<ContentDecoderOptions, 'onData' | 'allow'> {
  /**
   * The process's decode budget (decode-budget.ts): the body reserves its likely size before it is
   * decoded (DecodeMemoryExhaustedError when it cannot), and every decoded byte is counted.
   */
  budget?: DecodeBudget | undefined;
}

/** A decoded body still in the chunks it was produced in, and the budget it holds until `release`. */
export interface DecodedChunks {
  result: DecodeResult;
  /** Empty on `error`. */
  chunks: Uint8Array[];
  /** Returns the decoded bytes to the budget (call once the chunks are no longer needed). */
  release(): void;
}

/**
 * Decodes a whole body, keeping it in the chunks the decoder produced (no concatenated copy: a
 * reducer takes them one by one). Throws DecodeMemoryExhaustedError, before decoding anything,
 * when `budget` cannot admit the body now.
 */
export async function decodeChunks(bytes: Uint8Array, header: string | null | undefined, options: DecodeBodyOptions = {}): Promise<DecodedChunks> {
  const { budget, ...decoderOptions } = options;
  // The decoded bytes it will likely need, and what its codecs allocate on their own (windows, buffers).
  const reservation = budget ? initialReservation(bytes.byteLength, decoderOptions.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES) + codecMemory(header, bytes) : 0;
  const held = new HeldDecodeBytes(budget, reservation);
  const chunks: Uint8Array[] = [];
  const decoder = new ContentDecoder(header, { ...decoderOptions, allow: (n) => held.take(n), onData: (chunk) => chunks.push(chunk) });
  decoder.write(bytes);
  const result = await decoder.end();
  if (result.outcome === 'error') {
    chunks.length = 0;
    held.release();
  }
  return { result, chunks, release: () => held.release() };
}

/**
 * Decodes a whole body in one call (ingest's raw form, tests). An identity body is returned as a
 * view of `bytes`, without a copy. With a `budget`, the decoded bytes are counted while decoding
 * and released when this returns (the caller then holds the concatenated body outside it).
 */
export async function decodeBody(bytes: Uint8Array, header: string | null | undefined, options: DecodeBodyOptions = {}): Promise<DecodedBody> {
  if (contentCodingTokens(header).length === 0) {
    return { outcome: 'decoded', body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
  const { result, chunks, release } = await decodeChunks(bytes, header, options);
  const decoded: DecodedBody = { outcome: result.outcome, body: result.outcome === 'error' ? Buffer.alloc(0) : Buffer.concat(chunks) };
  release();
  if (result.errorClass) decoded.errorClass = result.errorClass;
  if (result.message) decoded.message = result.message;
  return decoded;
}
