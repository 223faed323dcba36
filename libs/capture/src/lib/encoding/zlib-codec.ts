import zlib from 'node:zlib';
import { errorMessage } from '../diagnostics';
import type { CodecDecoder, CodecEnd, CodecSink } from './codec-decoder';

export type ZlibCoding = 'gzip' | 'deflate' | 'br';

/**
 * Decoded bytes per output buffer. node:zlib returns to the thread pool once per filled buffer, and
 * LLM traffic compresses 20–30×, so the default 16 KiB costs a round trip per 16 KiB of output:
 * 128 KiB (zstd's block size, so both codecs hand on similar chunks) measured about 4× faster in
 * tools/bench/content-decoding.bench.ts. It also bounds how far past the cap a bomb gets.
 */
const OUTPUT = { chunkSize: 128 * 1024 };

/**
 * gzip, deflate and br through node:zlib's streaming decoders, which run on the libuv thread pool:
 * a write returns at once and decoded bytes arrive later on the sink.
 *
 * - gzip: node:zlib reads every member of a multi-member stream (RFC 1952 §2.2), which is what a
 *   streaming compressor that flushed and restarted sends (corpus `gzip-concatenated-members`).
 * - deflate: HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2), but servers have long sent
 *   raw deflate under that name; the first two bytes tell them apart (RFC 1950 §2.2: CM 8, CINFO
 *   ≤ 7, and the header as a 16-bit number is a multiple of 31), as browsers do.
 * - Truncation is node's `Z_BUF_ERROR` "unexpected end of file" at the final flush. Before ending
 *   the input we flush (`Z_SYNC_FLUSH` / `BROTLI_OPERATION_FLUSH`) so every byte decodable from
 *   what arrived has reached the sink before the truncation error is raised: node discards the
 *   output of the call that fails, and without the flush the last write could be that call.
 * - Bytes after the end of the coded stream are corruption, as in the Go reference: node:zlib
 *   ends the readable side early when the engine stops with input left over (deflate, br, and
 *   gzip followed by zero padding), which is how it is detected here; gzip followed by anything
 *   else is a bad next-member header.
 */
export class ZlibCodec implements CodecDecoder {
  private stream: zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress | undefined;
  /** deflate only: bytes held until the first two tell zlib-wrapped from raw. */
  private head: Uint8Array | undefined;
  private inputEnded = false;
  /** Set once, by the first of: a failure, the decoder's clean end, or abort. */
  private outcome: CodecEnd | undefined;
  private resolveOutcome!: (end: CodecEnd) => void;
  private readonly ended = new Promise<CodecEnd>((resolve) => (this.resolveOutcome = resolve));

  constructor(
    private readonly coding: ZlibCoding,
    private readonly sink: CodecSink,
  ) {
    if (coding !== 'deflate') this.stream = this.open(coding === 'gzip' ? zlib.createGunzip(OUTPUT) : zlib.createBrotliDecompress(OUTPUT));
  }

  write(chunk: Uint8Array): void {
    if (this.outcome || chunk.byteLength === 0) return;
    if (!this.stream) {
      const head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (head.byteLength < 2) {
        this.head = head;
        return;
      }
      this.head = undefined;
      this.stream = this.open(isZlibHeader(head) ? zlib.createInflate(OUTPUT) : zlib.createInflateRaw(OUTPUT));
      chunk = head;
    }
    this.stream.write(chunk);
  }

  finish(): Promise<CodecEnd> {
    if (this.outcome) return this.ended;
    if (!this.stream) {
      // deflate that never got two bytes: let the raw decoder report the truncation.
      this.stream = this.open(zlib.createInflateRaw(OUTPUT));
      if (this.head) this.stream.write(this.head);
    }
    const stream = this.stream;
    const flushKind = this.coding === 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH;
    stream.flush(flushKind, () => {
      if (this.outcome) return;
      this.inputEnded = true;
      stream.end();
    });
    return this.ended;
  }

  abort(): void {
    this.settle({ kind: 'corrupt', message: `${this.coding}: decoding aborted` });
  }

  private open<S extends NonNullable<ZlibCodec['stream']>>(stream: S): S {
    stream.on('data', (chunk: Buffer) => {
      if (!this.outcome) this.sink(chunk);
    });
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.settle(
        err.code === 'Z_BUF_ERROR'
          ? { kind: 'truncated', message: `${this.coding} stream ended early (${err.message})` }
          : { kind: 'corrupt', message: `${this.coding}: ${errorMessage(err)}` },
      );
    });
    stream.on('end', () => {
      // The readable side ends before the input does only when the engine stopped with bytes left.
      this.settle(this.inputEnded ? { kind: 'complete' } : { kind: 'corrupt', message: `${this.coding}: data continues after the end of the compressed stream` });
    });
    return stream;
  }

  private settle(end: CodecEnd): void {
    if (this.outcome) return;
    this.outcome = end;
    if (end.kind !== 'complete') this.stream?.destroy();
    this.resolveOutcome(end);
  }
}

function isZlibHeader(head: Uint8Array): boolean {
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}
