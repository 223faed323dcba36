import { EventEmitter } from 'node:events';
import { createDefaultReducers } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { envoySequence } from '@tapes/testing/envoy';
import { Exchange } from '../exchange/exchange';
import type { ExchangeEnd } from '../exchange/exchange-end';
import { ProcessCallHandler, type ProcessCall } from './process-call';
import type { ProcessingKind } from '../wire/processing-messages';

/** The bidi call as the handler uses it: messages in, replies recorded. */
class FakeCall extends EventEmitter {
  readonly replies: ProcessingKind[] = [];
  cancelled = false;
  writable = true;
  write(kind: ProcessingKind): boolean {
    this.replies.push(kind);
    return true;
  }
  end(): void {
    this.writable = false;
  }
}

const REQUEST = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
const RESPONSE = Buffer.from('event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const flush = () => new Promise((r) => setImmediate(r));

function play(observability: boolean, gates: { mark?: Promise<unknown>; journal?: Promise<unknown> }) {
  const call = new FakeCall();
  const ends: ExchangeEnd[] = [];
  new ProcessCallHandler(call as unknown as ProcessCall, new Exchange({ reducers: createDefaultReducers(), budget: new ByteBudget(1 << 20), maxBodyBytes: 1 << 16 }), {
    onMessage: (kind) => (kind === 'response_headers' ? gates.mark : undefined),
    onEnd: (end) => {
      ends.push(end);
      return end.outcome === 'captured' ? gates.journal : undefined;
    },
    onClosed: () => undefined,
    onCaptureError: (err) => {
      throw err;
    },
  });
  const messages = envoySequence(
    { path: '/v1/messages', requestHeaders: { 'x-request-id': 'r1' }, requestChunks: [REQUEST], status: 200, responseHeaders: { 'content-type': 'text/event-stream' }, responseChunks: [RESPONSE.subarray(0, 20), RESPONSE.subarray(20)] },
    { observabilityMode: observability },
  );
  return { call, ends, send: (i: number) => call.emit('data', messages[i]), count: messages.length };
}

describe('ProcessCallHandler: replies wait for the journal where a crash could otherwise lose what the client saw (#12)', () => {
  it('holds the reply that ends the response until the turn is journaled, then answers it', async () => {
    const journal = deferred();
    const { call, ends, send, count } = play(false, { journal: journal.promise });
    for (let i = 0; i < count; i++) send(i);
    await flush();
    expect(ends.map((e) => e.outcome)).toEqual(['captured']);
    // Every reply but the last is out; the last (response body, end of stream) waits for the journal.
    expect(call.replies).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
    journal.resolve();
    await flush();
    expect(call.replies).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body', 'response_body']);
  });

  it('holds the response headers reply until the in-flight mark is written, keeping later replies in order', async () => {
    const mark = deferred();
    const { call, send } = play(false, { mark: mark.promise });
    for (let i = 0; i < 4; i++) send(i); // through the first response body chunk (Envoy would wait; order must hold regardless)
    await flush();
    expect(call.replies).toEqual(['request_headers', 'request_body']);
    mark.resolve();
    await flush();
    expect(call.replies).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
  });

  it('answers at once when nothing waits, and writes no replies in observability mode', async () => {
    const answered = play(false, {});
    for (let i = 0; i < answered.count; i++) answered.send(i);
    expect(answered.call.replies).toHaveLength(answered.count); // synchronously: no journal write to wait for
    const observed = play(true, { journal: deferred().promise });
    for (let i = 0; i < observed.count; i++) observed.send(i);
    await flush();
    expect(observed.call.replies).toEqual([]);
    expect(observed.ends.map((e) => e.outcome)).toEqual(['captured']);
  });

  it('answers even when the journal write fails (capture never fails a request)', async () => {
    const { call, send, count } = play(false, { journal: Promise.reject(new Error('EIO')) });
    for (let i = 0; i < count; i++) send(i);
    await flush();
    expect(call.replies).toHaveLength(count);
  });
});
