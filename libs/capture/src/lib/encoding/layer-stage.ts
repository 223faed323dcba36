import type { CodecDecoder, CodecSink } from './codec-decoder';
import type { ContentCoding } from './content-codings';
import type { DecodeErrorClass } from './decode-result';
import { ZlibCodec } from './zlib-codec';
import { ZstdCodec } from './zstd-codec';

export type StageEnd = { status: 'decoded' } | { status: 'salvaged'; message: string } | StageFailure;
export interface StageFailure {
  status: 'error';
  errorClass: DecodeErrorClass;
  message: string;
}

/**
 * One layer of a body's content coding, with the policy every coding shares (corpus README,
 * "failure taxonomy"):
 * - decoded output is capped per layer, and the layer stops the moment the cap is crossed rather
 *   than after inflating the bomb (`oversize`); output exactly at the cap is accepted;
 * - no input at all under a claimed coding is `undecodable`: the decoder cannot tell a body empty
 *   by design from one lost in flight, and saying nothing would hide the loss
 *   (`contested-empty-body-under-*`);
 * - a stream that stopped early is `salvaged` when it had produced output, and `undecodable` when
 *   it had not (the salvage needs both conjuncts; `salvage-refused-when-nothing-produced`);
 * - any other refusal by the codec is `undecodable`.
 */
export class LayerStage {
  private readonly codec: CodecDecoder;
  private inputBytes = 0;
  private outputBytes = 0;
  private failure: StageFailure | undefined;

  constructor(
    readonly coding: ContentCoding,
    private readonly maxDecodedBytes: number,
    private readonly downstream: CodecSink,
    private readonly onFailure: (failure: StageFailure) => void,
  ) {
    const sink: CodecSink = (chunk) => this.emit(chunk);
    this.codec = coding === 'zstd' ? new ZstdCodec(sink) : new ZlibCodec(coding, sink);
  }

  write(chunk: Uint8Array): void {
    if (this.failure) return;
    this.inputBytes += chunk.byteLength;
    this.codec.write(chunk);
  }

  async end(): Promise<StageEnd> {
    if (this.failure) return this.failure;
    if (this.inputBytes === 0) {
      this.codec.abort();
      return this.fail('undecodable', `${this.coding}: empty body, no bytes to undo the claimed coding on`);
    }
    const end = await this.codec.finish();
    if (this.failure) return this.failure;
    switch (end.kind) {
      case 'complete':
        return { status: 'decoded' };
      case 'truncated':
        if (this.outputBytes === 0) return this.fail('undecodable', `${end.message} before producing any output`);
        return { status: 'salvaged', message: `${end.message}; kept the ${this.outputBytes} bytes decoded before the cut` };
      case 'corrupt':
        return this.fail('undecodable', end.message);
    }
  }

  /** Stops decoding because another layer failed. */
  abort(): void {
    this.failure ??= { status: 'error', errorClass: 'undecodable', message: `${this.coding}: aborted` };
    this.codec.abort();
  }

  private emit(chunk: Uint8Array): void {
    if (this.failure) return;
    this.outputBytes += chunk.byteLength;
    if (this.outputBytes > this.maxDecodedBytes) {
      this.codec.abort();
      this.fail('oversize', `${this.coding} layer decoded past the cap of ${this.maxDecodedBytes} bytes`);
      return;
    }
    this.downstream(chunk);
  }

  private fail(errorClass: DecodeErrorClass, message: string): StageFailure {
    this.failure = { status: 'error', errorClass, message };
    this.onFailure(this.failure);
    return this.failure;
  }
}
