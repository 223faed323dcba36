import { errorMessage } from '../diagnostics';
import { DEFAULT_CODINGS, planContentDecoding, type ContentCoding } from './content-codings';
import { DEFAULT_MAX_DECODED_BYTES, type DecodeResult } from './decode-result';
import { LayerStage, type StageFailure } from './layer-stage';

export interface ContentDecoderOptions {
  /** The codings this decoder undoes; others are `unsupported`. Default {@link DEFAULT_CODINGS}. */
  codings?: ReadonlySet<ContentCoding> | undefined;
  /** Decoded bytes allowed out of each layer. Default 48 MiB ({@link DEFAULT_MAX_DECODED_BYTES}). */
  maxDecodedBytes?: number | undefined;
  /**
   * Receives the decoded body, in order, as it becomes available (synchronously from `write` for
   * an identity body, later for compressed ones). Bytes may arrive before an `error` outcome: a
   * stream can be corrupt after a good start. Should not throw; if it does, decoding stops and
   * the outcome is `error`/`undecodable` naming the callback, so a consumer bug is not a crash
   * on the forwarding path.
   */
  onData?: ((chunk: Uint8Array) => void) | undefined;
  /**
   * Asked before each decoded chunk is delivered: false stops decoding as `oversize` — the memory
   * it may decode into (the process's decode budget, #12) has no room for more, as at the cap.
   */
  allow?: ((bytes: number) => boolean) | undefined;
}

/**
 * Undoes a response's `Content-Encoding` for the capture copy, incrementally, as a capture site
 * tees chunks past it (the client gets the compressed bytes untouched; design §7).
 *
 * The header lists codings in the order the sender applied them, so they come off right to left
 * (RFC 9110 §8.4): `gzip, zstd` is zstd(gzip(body)), and the zstd layer is decoded first. Each
 * layer is a {@link LayerStage} piping into the next; the header is checked whole before anything
 * is decoded. No layers (header absent, empty, or only `identity`) passes bytes straight through.
 *
 * `write` never throws and never waits; `end` settles the outcome once every layer has finished.
 * Chunks are read asynchronously by the zlib codings, so a chunk must not be mutated after it is
 * written. The encoded input is buffered by the decoder only as far as node:zlib queues it, so a
 * capture site's own byte budget bounds it.
 */
export class ContentDecoder {
  /** The codings to undo, outermost first; empty for an identity body. */
  readonly layers: readonly ContentCoding[];
  private readonly stages: LayerStage[] = [];
  private readonly onData: ((chunk: Uint8Array) => void) | undefined;
  private readonly allow: ((bytes: number) => boolean) | undefined;
  private failure: StageFailure | undefined;
  private decodedBytes = 0;
  private result: Promise<DecodeResult> | undefined;

  constructor(header: string | null | undefined, options: ContentDecoderOptions = {}) {
    this.onData = options.onData;
    this.allow = options.allow;
    const plan = planContentDecoding(header, options.codings ?? DEFAULT_CODINGS);
    if (!plan.ok) {
      this.layers = [];
      this.failure = { status: 'error', errorClass: 'unsupported', message: plan.message };
      return;
    }
    this.layers = plan.layers;
    const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
    // Built innermost first so each stage can be handed the one it feeds.
    let downstream = (chunk: Uint8Array): void => this.deliver(chunk);
    for (const coding of [...plan.layers].reverse()) {
      const stage = new LayerStage(coding, maxDecodedBytes, downstream, (failure) => this.fail(failure));
      this.stages.unshift(stage);
      downstream = (chunk) => stage.write(chunk);
    }
  }

  /** The next bytes of the encoded body, split anywhere. Ignored after a failure or `end`. */
  write(chunk: Uint8Array): void {
    if (this.failure || this.result || chunk.byteLength === 0) return;
    const outermost = this.stages[0];
    if (outermost) outermost.write(chunk);
    else this.deliver(chunk);
  }

  /** The body ended: resolves when every layer has finished. Repeated calls get the same result. */
  end(): Promise<DecodeResult> {
    this.result ??= this.settle();
    return this.result;
  }

  private async settle(): Promise<DecodeResult> {
    const salvaged: string[] = [];
    for (const stage of this.stages) {
      if (this.failure) break;
      const end = await stage.end();
      if (end.status === 'salvaged') salvaged.push(end.message);
    }
    if (this.failure) {
      return { outcome: 'error', errorClass: this.failure.errorClass, message: this.failure.message, decodedBytes: this.decodedBytes };
    }
    if (salvaged.length > 0) return { outcome: 'salvaged', message: salvaged.join('; '), decodedBytes: this.decodedBytes };
    return { outcome: 'decoded', decodedBytes: this.decodedBytes };
  }

  private deliver(chunk: Uint8Array): void {
    if (this.failure) return;
    if (this.allow && !this.allow(chunk.byteLength)) {
      this.fail({ status: 'error', errorClass: 'oversize', message: `decoded past the ${this.decodedBytes} bytes the decode memory could give this body` });
      return;
    }
    this.decodedBytes += chunk.byteLength;
    try {
      this.onData?.(chunk);
    } catch (err) {
      this.fail({ status: 'error', errorClass: 'undecodable', message: `the onData callback threw: ${errorMessage(err)}` });
    }
  }

  /** The first failure wins; every layer stops so no more work is done for a refused body. */
  private fail(failure: StageFailure): void {
    if (this.failure) return;
    this.failure = failure;
    for (const stage of this.stages) stage.abort();
  }
}
