/**
 * The proxy benchmark's provider: an Anthropic-speaking HTTP server in its own process (so its CPU
 * is not the proxy's), started by tools/bench/proxy.bench.ts. `x-bench-mode` picks the answer:
 *  - `oneshot`: a ~2 KB Messages JSON body at once;
 *  - `sse`: a 120-frame Messages stream, one frame every 20 ms (`x-bench-frames`, `x-bench-gap-ms`
 *    override), each frame flushed on its own.
 * It prints `listening <port>` on stdout when ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const MODEL = 'claude-sonnet-4-5-20250929';

export function oneShotBody(): Buffer {
  const text = 'The proxy relays every byte as the upstream sent it. '.repeat(34);
  return Buffer.from(
    JSON.stringify({
      id: 'msg_bench',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 512, output_tokens: 420 },
    }),
  );
}

function event(name: string, data: unknown): Buffer {
  return Buffer.from(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A valid Messages stream of exactly `frames` events. */
export function sseFrames(frames: number): Buffer[] {
  const deltas = Math.max(1, frames - 5);
  const out = [
    event('message_start', { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, usage: { input_tokens: 512, output_tokens: 1 } } }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  ];
  for (let i = 0; i < deltas; i++) out.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `token ${i} ` } }));
  out.push(
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: deltas } }),
    event('message_stop', { type: 'message_stop' }),
  );
  return out.slice(0, frames);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function serve(): void {
  const oneShot = oneShotBody();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const mode = header(req, 'x-bench-mode') ?? 'oneshot';
      if (mode === 'oneshot') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': oneShot.byteLength });
        res.end(oneShot);
        return;
      }
      const frames = sseFrames(Number(header(req, 'x-bench-frames') ?? 120));
      const gapMs = Number(header(req, 'x-bench-gap-ms') ?? 20);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
      let next = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        res.write(frames[next++]);
        if (next === frames.length) res.end();
        else setTimeout(tick, gapMs);
      };
      tick();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (require.main === module) serve();
