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

/**
 * `beforeEnd` runs when the upstream body has ended, before the client's response is: what it
 * returns is awaited first (the captured turn's journal write — so a client never sees the end of
 * a turn that a crash could still lose). A rejection or a throw does not stop the end.
 */
export function relay(
  source: Readable,
  res: ServerResponse,
  observe: (chunk: Buffer) => void,
  onObserverError: (err: unknown) => void,
  beforeEnd?: () => Promise<unknown> | undefined,
): Promise<void> {
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
      let gate: Promise<unknown> | undefined;
      try {
        gate = beforeEnd?.();
      } catch (err) {
        onObserverError(err);
      }
      if (!gate) return void res.end();
      gate.then(
        () => res.end(),
        (err: unknown) => {
          onObserverError(err);
          res.end();
        },
      );
    };
    const onFinish = (): void => settle();
    const onSourceError = (err: Error): void => {
      // Not in this tick: the response's first write is corked until the next one (Node sends the
      // head and the first chunk together), and a destroy now would drop the bytes that arrived.
      setImmediate(() => res.destroy(err));
      settle(err);
    };
    const onClose = (): void => {
      if (res.writableFinished) return settle();
      source.destroy();
      settle(new ClientGoneError('the client closed the connection before the response ended'));
    };
    // Taken before any listener is attached, so no 'data' event hands a chunk over twice.
    const early = source.destroyed ? buffered(source) : [];
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onSourceError);
    res.on('drain', onDrain);
    res.once('finish', onFinish);
    res.once('close', onClose);
    // The body may have failed before the relay began (the upstream cut right after its headers,
    // while the in-flight mark was written): its 'error' is gone, so it is read from the stream —
    // after what it had buffered, which a destroyed stream still gives to read(): the client gets
    // every byte that arrived, then the cut.
    for (const chunk of early) onData(chunk);
    if (source.errored) onSourceError(source.errored instanceof Error ? source.errored : new Error(String(source.errored)));
    else if (source.destroyed && !source.readableEnded) onSourceError(new Error('the upstream body closed before it ended'));
  });
}

/** What a destroyed stream still holds: read() gives it out even after a destroy. */
function buffered(source: Readable): Buffer[] {
  const chunks: Buffer[] = [];
  for (let chunk = source.read() as Buffer | null; chunk !== null; chunk = source.read() as Buffer | null) chunks.push(chunk);
  return chunks;
}
