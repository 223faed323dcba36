/** The client sent no request body byte for longer than TAPES_REQUEST_BODY_IDLE_TIMEOUT (#13). */
export class RequestBodyIdleError extends Error {
  override readonly name = 'RequestBodyIdleError';
  constructor(readonly idleMs: number) {
    super(`the client sent no request body byte for ${idleMs} ms`);
  }
}

/**
 * The client's request body, failing with {@link RequestBodyIdleError} when the client goes silent
 * for `idleMs` mid-body (#13: a body trickled a byte every few seconds would otherwise hold a
 * connection, and an upstream request, forever). Only the time spent waiting for the CLIENT
 * counts: the timer runs while the next chunk is awaited, never while the consumer (undici, held
 * back by a slow upstream) has not asked for one — backpressure is not idleness. A body that keeps
 * arriving, however slowly overall, is never cut: an idle timeout, not a total one (style:
 * streaming pipelines).
 */
export async function* idleGuarded(body: AsyncIterable<Buffer>, idleMs: number): AsyncGenerator<Buffer> {
  const chunks = body[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestBodyIdleError(idleMs)), idleMs);
    });
    const next = chunks.next();
    let result: IteratorResult<Buffer>;
    try {
      result = await Promise.race([next, idle]);
    } catch (err) {
      // An abandoned read settles when the connection is closed; nothing waits for it any more.
      next.catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (result.done) return;
    yield result.value;
  }
}
