import { Decompress, ZstdErrorCode } from 'fzstd';
import { errorMessage } from '../diagnostics';
import type { CodecDecoder, CodecEnd, CodecSink } from './codec-decoder';
import { ZstdFrameGuard } from './zstd-frame-guard';

/** Thrown through fzstd's push loop to stop it mid-chunk; never escapes {@link ZstdCodec}. */
const STOP = Symbol('zstd-stop');

/**
 * zstd through fzstd's streaming `Decompress` (Node 20's node:zlib has no zstd). fzstd decodes
 * synchronously inside `push`, one whole block (≤ 128 KiB of output) at a time, and reads
 * concatenated and skippable frames by itself. {@link ZstdFrameGuard} sees every byte before fzstd
 * does and refuses hostile or undecodable frames first; it also says whether the input stopped at
 * a frame boundary, which is how a cut stream is told from a finished one.
 *
 * fzstd cannot be paused, so {@link abort} called from inside the sink (the output cap) throws
 * through its block loop: a chunk of RLE blocks that would expand to gigabytes stops at the block
 * that crossed the cap.
 */
export class ZstdCodec implements CodecDecoder {
  private readonly guard = new ZstdFrameGuard();
  private readonly decompress = new Decompress((data) => this.deliver(data));
  private outcome: CodecEnd | undefined;

  constructor(private readonly sink: CodecSink) {}

  write(chunk: Uint8Array): void {
    if (this.outcome || chunk.byteLength === 0) return;
    const refusal = this.guard.scan(chunk);
    if (refusal) {
      this.outcome = { kind: 'corrupt', message: `zstd: ${refusal}` };
      return;
    }
    this.push(chunk, false);
  }

  finish(): Promise<CodecEnd> {
    if (!this.outcome) {
      if (!this.guard.atFrameBoundary) this.outcome = { kind: 'truncated', message: `zstd stream ended early (${this.guard.describePosition()})` };
      // A frame shorter than fzstd's 18-byte look-ahead is still buffered: the final push decodes it.
      else this.push(new Uint8Array(0), true);
    }
    return Promise.resolve(this.outcome ?? { kind: 'complete' });
  }

  abort(): void {
    this.outcome ??= { kind: 'corrupt', message: 'zstd: decoding aborted' };
  }

  private push(chunk: Uint8Array, final: boolean): void {
    try {
      this.decompress.push(chunk, final);
    } catch (err) {
      if (err === STOP) return;
      this.outcome ??= isUnexpectedEof(err) ? { kind: 'truncated', message: 'zstd stream ended early (unexpected EOF)' } : { kind: 'corrupt', message: `zstd: ${errorMessage(err)}` };
    }
  }

  private deliver(data: Uint8Array): void {
    if (data.byteLength > 0 && !this.outcome) this.sink(data);
    if (this.outcome) throw STOP;
  }
}

function isUnexpectedEof(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === ZstdErrorCode.UnexpectedEOF;
}
