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
 * a frame boundary, which is how a cut stream is told from a finished one. Bytes of a frame header
 * the guard has not read whole are held back, so fzstd only ever parses headers that passed.
 *
 * fzstd cannot be paused, so {@link abort} called from inside the sink (the output cap) throws
 * through its block loop: a chunk of RLE blocks that would expand to gigabytes stops at the block
 * that crossed the cap.
 */
export class ZstdCodec implements CodecDecoder {
  private readonly guard = new ZstdFrameGuard();
  private readonly decompress = new Decompress((data) => this.deliver(data));
  /** Header bytes the guard has not passed yet, held back from fzstd (at most 17). */
  private held: Uint8Array = new Uint8Array(0);
  private outcome: CodecEnd | undefined;

  constructor(private readonly sink: CodecSink) {}

  write(chunk: Uint8Array): void {
    if (this.outcome || chunk.byteLength === 0) return;
    const refusal = this.guard.scan(chunk);
    if (refusal) {
      this.outcome = { kind: 'corrupt', message: `zstd: ${refusal}` };
      return;
    }
    const data = this.held.byteLength > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const keep = data.byteLength - this.guard.uncheckedHeaderBytes;
    this.held = Uint8Array.from(data.subarray(keep)); // a copy: never pin the caller's chunk
    if (keep > 0) this.settle(this.push(data.subarray(0, keep), false));
  }

  finish(): Promise<CodecEnd> {
    if (!this.outcome) this.settle(this.flush());
    return Promise.resolve(this.outcome ?? { kind: 'complete' });
  }

  abort(): void {
    this.settle({ kind: 'corrupt', message: 'zstd: decoding aborted' });
  }

  /**
   * The final push decodes what fzstd still buffers (it reads 18 bytes ahead before a frame, so a
   * whole small frame can be waiting). Held-back header bytes are never flushed. A stream that
   * stopped inside a frame is truncated, whatever fzstd makes of the cut.
   */
  private flush(): CodecEnd | undefined {
    const cut = this.guard.atFrameBoundary ? undefined : this.guard.describePosition();
    const failure = this.push(new Uint8Array(0), true);
    if (cut && (!failure || failure.kind === 'truncated')) return { kind: 'truncated', message: `zstd stream ended early (${cut})` };
    return failure;
  }

  /** Feeds fzstd; returns how it failed, if it did (nothing when the sink stopped it). */
  private push(chunk: Uint8Array, final: boolean): CodecEnd | undefined {
    try {
      this.decompress.push(chunk, final);
      return undefined;
    } catch (err) {
      if (err === STOP) return undefined;
      return isUnexpectedEof(err) ? { kind: 'truncated', message: 'zstd stream ended early (unexpected EOF)' } : { kind: 'corrupt', message: `zstd: ${errorMessage(err)}` };
    }
  }

  /** The first outcome wins (an abort from inside the sink lands before the push returns). */
  private settle(outcome: CodecEnd | undefined): void {
    this.outcome ??= outcome;
  }

  private deliver(data: Uint8Array): void {
    if (data.byteLength > 0 && !this.outcome) this.sink(data);
    if (this.outcome) throw STOP;
  }
}

function isUnexpectedEof(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === ZstdErrorCode.UnexpectedEOF;
}
