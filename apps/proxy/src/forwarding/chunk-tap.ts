import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stage that shows every chunk to an observer *after* handing it on: the bytes
 * reach the next stage (and, for the response, the client's socket) before capture does any work
 * on them, and the chunk object itself is passed, never copied or changed. An observer that
 * throws is switched off and reported once; it never breaks the stream it watches (capture never
 * fails a request, design §1).
 */
export class ChunkTap extends Transform {
  private observer: ((chunk: Buffer) => void) | undefined;

  constructor(
    observer: (chunk: Buffer) => void,
    private readonly onObserverError: (err: unknown) => void,
  ) {
    super();
    this.observer = observer;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.push(chunk);
    const observer = this.observer;
    if (observer) {
      try {
        observer(chunk);
      } catch (err) {
        this.observer = undefined;
        this.onObserverError(err);
      }
    }
    callback();
  }
}
