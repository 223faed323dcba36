import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** The client went away before the response ended. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * Streams an upstream body to the client and shows each chunk to `observe` right after it was
 * handed to the client's socket: the bytes leave untouched and in order, with no buffering beyond
 * the socket's own, and capture never delays them. Backpressure is honoured (`write() === false`
 * pauses the upstream until `'drain'`), so a slow client slows the upstream, not memory.
 *
 * Written by hand rather than with `stream.pipeline`: the relay is the hot path of every exchange,
 * and pipeline's per-call AbortController, error objects and extra stream stage measurably cost
 * latency (tools/bench/proxy.bench.ts) while adding nothing a single source → sink needs.
 *
 * Resolves once the client's response is finished. Rejects with the upstream's error when the
 * upstream body fails (the client's response is destroyed, never ended as if complete), or with
 * {@link ClientGoneError} when the client leaves first (the upstream body is destroyed, which
 * aborts the upstream request). An `observe` that throws is switched off and reported once.
 */
function ignore(): void {
  // see settle()
}

export function relay(source: Readable, res: ServerResponse, observe: (chunk: Buffer) => void, onObserverError: (err: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let observer: ((chunk: Buffer) => void) | undefined = observe;
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      // A body destroyed later (the upstream socket closing) must not become an unhandled error.
      source.on('error', ignore);
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onSourceError);
      res.off('drain', onDrain);
      res.off('finish', onFinish);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      if (!res.write(chunk)) source.pause();
      if (!observer) return;
      try {
        observer(chunk);
      } catch (err) {
        observer = undefined;
        onObserverError(err);
      }
    };
    const onDrain = (): void => {
      source.resume();
    };
    const onEnd = (): void => {
      res.end();
    };
    const onFinish = (): void => settle();
    const onSourceError = (err: Error): void => {
      res.destroy(err);
      settle(err);
    };
    const onClose = (): void => {
      if (res.writableFinished) return settle();
      source.destroy();
      settle(new ClientGoneError('the client closed the connection before the response ended'));
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onSourceError);
    res.on('drain', onDrain);
    res.once('finish', onFinish);
    res.once('close', onClose);
  });
}
