import { contentCodingTokens } from './content-codings';
import { ContentDecoder, type ContentDecoderOptions } from './content-decoder';
import type { DecodeErrorClass, DecodeOutcome } from './decode-result';

export interface DecodedBody {
  outcome: DecodeOutcome;
  /** The decoded body; empty on `error` (a refused body has nothing keepable). */
  body: Buffer;
  errorClass?: DecodeErrorClass;
  message?: string;
}

/**
 * Decodes a whole body in one call (ingest's raw form, tests). An identity body is returned as a
 * view of `bytes`, without a copy.
 */
export async function decodeBody(bytes: Uint8Array, header: string | null | undefined, options: Omit<ContentDecoderOptions, 'onData'> = {}): Promise<DecodedBody> {
  if (contentCodingTokens(header).length === 0) {
    return { outcome: 'decoded', body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
  const chunks: Uint8Array[] = [];
  const decoder = new ContentDecoder(header, { ...options, onData: (chunk) => chunks.push(chunk) });
  decoder.write(bytes);
  const result = await decoder.end();
  const decoded: DecodedBody = { outcome: result.outcome, body: result.outcome === 'error' ? Buffer.alloc(0) : Buffer.concat(chunks) };
  if (result.errorClass) decoded.errorClass = result.errorClass;
  if (result.message) decoded.message = result.message;
  return decoded;
}
