/**
 * What the ext_proc sidecar costs Envoy, and how many turns it gets to ingest, each figure beside a
 * baseline measured in the same run.
 *
 *   TAPES_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/postgres \
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/bench/sidecar.bench.ts [seconds=10] [--bundle]
 *
 * Processes (one machine, 2 cores here: the figures include that contention, the baselines too):
 *  - this one: the load generator, a gRPC client playing Envoy (one HTTP/2 connection, as Envoy's
 *    ext_proc cluster uses; many streams on it);
 *  - the sidecar (apps/sidecar/src/main.ts through @swc-node/register, or with --bundle the built
 *    dist/apps/sidecar/main.js), configured by environment as in production;
 *  - the real apps/ingest on PostgreSQL (a fresh database on TAPES_TEST_PG_URL);
 *  - for the baseline of phase 1, a bare grpc-js bidi server that answers every message with the
 *    same pre-encoded CONTINUE and does nothing else.
 *
 * Phases:
 *  0. the handler's own time per message, in process (no transport, no other process competing):
 *     decode + reply + capture against decode + reply;
 *  1. per-message reply latency in normal mode (observability_mode false), 200 concurrent streams,
 *     each replaying a Claude Code SSE turn in 256-byte chunks and waiting for every reply as Envoy
 *     does: p50 / p99 / p99.9 against the bare echo server (target from issue #6: p99 ≤ 1 ms);
 *  2. sustained turns/s delivered to ingest, observability mode, 64 concurrent streams, against
 *     the same turns POSTed straight to ingest (8 connections, as the sidecar's pool) — ingest's own
 *     ceiling for these turns.
 */
import './lib/aliases';
import { credentials, makeGenericClientConstructor, Server, ServerCredentials, type Client, type ClientDuplexStream, type ServerDuplexStream } from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { EventEmitter } from 'node:events';
import { createDefaultReducers } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { Exchange, extProcServiceDefinition, loadExtProcMethod, ProcessCallHandler, type ProcessCall, type ProcessingKind, type ProcessingRequest } from '@tapes/ext-proc';
import { chunks, createTestPostgres, freePort } from '@tapes/testing';
import { envoySequence } from '@tapes/testing/envoy';

const root = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const useBundle = args.includes('--bundle');
const STREAMS_LATENCY = 200;
const STREAMS_THROUGHPUT = 64;
const INGEST_CONNECTIONS = 8;
/** Per stream, between chunks in the paced run: 50 chunks/s, a fast generation. */
const PACE_MS = 20;
/** Phase 2 sends this many turns per configured second (about what ingest stores per second here). */
const THROUGHPUT_TURNS_PER_SECOND_GUESS = 300;

const REQUEST = Buffer.from(
  JSON.stringify({
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 32000,
    stream: true,
    messages: [
      { role: 'user', content: 'The server test fails with a 502 from the upstream. Can you find out why?' },
      { role: 'assistant', content: "I'll search for where the upstream call is made." },
      { role: 'user', content: 'src/server.ts:142: const upstream = await request(target)' },
    ],
  }),
);
const RESPONSE = readFileSync(path.join(root, 'fixtures/anthropic_extra/claude_code_turn.sse'));

/** One exchange as Envoy streams it: request in 2 chunks, the SSE response in 256-byte reads. */
function exchange(requestId: string, observabilityMode: boolean): ProcessingRequest[] {
  return envoySequence(
    {
      path: '/v1/messages',
      requestHeaders: { 'x-request-id': requestId, 'x-tapes-agent-name': 'bench', 'anthropic-version': '2023-06-01' },
      requestChunks: chunks(REQUEST, Math.ceil(REQUEST.length / 2)),
      responseHeaders: { 'content-type': 'text/event-stream; charset=utf-8' },
      responseChunks: chunks(RESPONSE, 256),
    },
    { observabilityMode },
  );
}

// ---------------------------------------------------------------------------------------------
// Child roles

/** The baseline server: the same service and replies, no capture. */
async function runEchoServer(): Promise<void> {
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(extProcServiceDefinition(), {
    Process: (call: ServerDuplexStream<ProcessingRequest, ProcessingKind>) => {
      call.on('data', (message: ProcessingRequest) => {
        if (message.request && !message.observability_mode) call.write(message.request);
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  console.log(`echo listening ${port}`);
}

/**
 * An ingest that answers 202 at once, for phase 1: it isolates what the sidecar adds (capture and
 * its own delivery work) from storage, which in production runs on other machines.
 */
async function runFakeIngest(): Promise<void> {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(req.url === '/ping' ? 200 : 202, { 'content-type': 'application/json' });
      res.end('{"status":"accepted","duplicate":false}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`fake ingest listening ${(server.address() as net.AddressInfo).port}`));
}

// ---------------------------------------------------------------------------------------------
// Processes

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after 60 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every process this bench started: killed when it exits, however it exits (even on EPIPE). */
const spawned = new Set<ChildProcess>();
process.on('exit', () => spawned.forEach((child) => child.exitCode === null && child.kill('SIGTERM')));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(130));

function spawnNode(argv: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function startRole(flag: string, what: string): Promise<{ child: ChildProcess; port: number }> {
  const started = spawnNode(['-r', '@swc-node/register', __filename, flag], {});
  const port = await new Promise<number>((resolve, reject) => {
    started.child.stdout?.on('data', () => {
      const m = new RegExp(`${what} listening (\\d+)`).exec(started.output());
      if (m) resolve(Number(m[1]));
    });
    started.child.once('exit', () => reject(new Error(`${what} exited:\n${started.output()}`)));
  });
  return { child: started.child, port };
}

async function startSidecar(ingestUrl: string, spoolDir: string): Promise<{ child: ChildProcess; grpcPort: number; httpPort: number }> {
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const argv = useBundle ? ['--enable-source-maps', 'dist/apps/sidecar/main.js'] : ['-r', '@swc-node/register', 'apps/sidecar/src/main.ts'];
  const sidecar = spawnNode(argv, {
    SIDECAR_GRPC_PORT: String(grpcPort),
    SIDECAR_HTTP_PORT: String(httpPort),
    INGEST_URL: ingestUrl,
    INGEST_CONNECTIONS: String(INGEST_CONNECTIONS),
    TAPES_DATA_DIR: spoolDir, // the journal (spool) is <TAPES_DATA_DIR>/spool
    LOG_LEVEL: 'warn',
  });
  await waitFor(`http://127.0.0.1:${httpPort}/health/live`, sidecar.child, sidecar.output);
  return { child: sidecar.child, grpcPort, httpPort };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
}

async function metric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

// ---------------------------------------------------------------------------------------------
// In-process: the handler's own time per message

/** A stand-in for grpc-js's call: replies go nowhere, events are emitted by the bench. */
class NullCall extends EventEmitter {
  cancelled = false;
  writable = true;
  replies = 0;
  write(): boolean {
    this.replies += 1;
    return true;
  }
  end(): void {
    this.writable = false;
  }
}

/**
 * Time from a message's bytes to the handler returning (decode, reply written, capture done), for
 * `exchanges` exchanges in turn. `capture` false is the baseline: decode and reply only, as the
 * echo server does. Delivery is not included: it runs after the handler, off the reply path.
 */
function handlerTime(exchanges: number, capture: boolean): { samples: number[]; turns: number } {
  const method = loadExtProcMethod();
  const budget = new ByteBudget(256 * 1024 * 1024);
  const reducers = createDefaultReducers();
  const encoded = exchange('in-process', false).map((m) => method.requestSerialize(m));
  const decode = (bytes: Buffer) => method.requestDeserialize(bytes) as ProcessingRequest;
  const samples: number[] = [];
  let turns = 0;
  for (let n = 0; n < exchanges; n += 1) {
    const call = new NullCall();
    if (capture) {
      const exchangeState = new Exchange({ reducers, budget, maxBodyBytes: 64 * 1024 * 1024 });
      new ProcessCallHandler(call as unknown as ProcessCall, exchangeState, {
        onMessage: () => undefined,
        onEnd: (end) => {
          if (end.outcome === 'captured') {
            turns += 1;
            budget.release(end.heldBytes); // what delivery does once the turn is settled
          }
        },
        onClosed: () => undefined,
        onCaptureError: (err) => {
          throw err;
        },
      });
    } else {
      call.on('data', (message: ProcessingRequest) => {
        if (message.request && !message.observability_mode) call.write();
      });
    }
    for (const bytes of encoded) {
      const started = process.hrtime.bigint();
      call.emit('data', decode(bytes));
      samples.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
  }
  return { samples, turns };
}

// ---------------------------------------------------------------------------------------------
// Load

type Stream = ClientDuplexStream<ProcessingRequest, { response?: string }>;

function processClient(port: number): Client & { Process: () => Stream } {
  const Ctor = makeGenericClientConstructor({ Process: loadExtProcMethod() }, 'ExternalProcessor');
  return new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as Client & { Process: () => Stream };
}

/**
 * Plays exchanges in normal mode on `streams` concurrent streams, timing each message's reply.
 * With `paceMs`, a stream waits that long after each reply before its next message, as chunks of
 * a generation arrive from the upstream; without, it sends as fast as replies come (saturation).
 */
async function replyLatency(port: number, streams: number, durationMs: number, paceMs = 0): Promise<{ samples: number[]; exchanges: number }> {
  const client = processClient(port);
  const samples: number[] = [];
  let exchanges = 0;
  let recording = false;
  const until = Date.now() + durationMs;
  const warmupUntil = Date.now() + Math.min(3000, durationMs / 3);
  const loop = async (slot: number): Promise<void> => {
    // Built once per stream: the client's own work should disturb the measurement as little as
    // possible (phase 1's ingest does not mind the repeated request id).
    const messages = exchange(`lat-${port}-${slot}`, false);
    while (Date.now() < until) {
      const call = client.Process();
      const pending: Array<() => void> = [];
      call.on('data', () => pending.shift()?.());
      const closed = new Promise<void>((resolve) => call.on('status', () => resolve()));
      call.on('error', () => undefined);
      for (const message of messages) {
        const started = process.hrtime.bigint();
        const replied = new Promise<void>((resolve) => pending.push(resolve));
        call.write(message);
        await replied;
        if (recording) samples.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
      }
      call.end();
      await closed;
      if (recording) exchanges += 1;
    }
  };
  const timer = setTimeout(() => (recording = true), warmupUntil - Date.now());
  const stagger = (slot: number) => new Promise((resolve) => setTimeout(resolve, paceMs > 0 ? (slot * paceMs) / streams : 0));
  await Promise.all(Array.from({ length: streams }, (_, slot) => stagger(slot).then(() => loop(slot))));
  clearTimeout(timer);
  client.close();
  return { samples, exchanges };
}

/** Plays `total` exchanges in observability mode, `streams` at a time, as fast as they go. */
async function observeLoad(port: number, streams: number, total: number, prefix: string): Promise<void> {
  const client = processClient(port);
  let next = 0;
  const loop = async (): Promise<void> => {
    for (let n = next++; n < total; n = next++) {
      const call = client.Process();
      const closed = new Promise<void>((resolve) => call.on('status', () => resolve()));
      call.on('error', () => undefined);
      for (const message of exchange(`${prefix}-${n}`, true)) {
        if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
      }
      call.end();
      await closed;
    }
  };
  await Promise.all(Array.from({ length: streams }, () => loop()));
  client.close();
}

/** The raw-turn envelope the sidecar posts for one of these exchanges. */
function envelope(requestId: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      provider: 'anthropic',
      path: '/v1/messages',
      agent_name: 'bench',
      request_id: requestId,
      capture_site: 'sidecar',
      request_body_base64: REQUEST.toString('base64'),
      response_body_base64: RESPONSE.toString('base64'),
      response_content_type: 'text/event-stream; charset=utf-8',
      request_headers: { ':method': 'POST', ':path': '/v1/messages', 'content-type': 'application/json' },
      response_headers: { ':status': '200', 'content-type': 'text/event-stream; charset=utf-8' },
      status: 200,
      started_at: new Date().toISOString(),
      ended_at: new Date().toISOString(),
    }),
  );
}

/** The same `total` turns POSTed straight to ingest on `connections` keep-alive connections. */
async function directIngest(url: string, connections: number, total: number): Promise<void> {
  const pool = new Pool(url, { connections });
  let next = 0;
  const loop = async (): Promise<void> => {
    for (let n = next++; n < total; n = next++) {
      const response = await pool.request({ path: '/v1/ingest', method: 'POST', headers: { 'content-type': 'application/json' }, body: envelope(`direct-${n}`) });
      await response.body.dump();
      if (response.statusCode !== 202) throw new Error(`direct ingest answered ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, () => loop()));
  await pool.close();
}

// ---------------------------------------------------------------------------------------------

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function main(): Promise<void> {
  const ms = seconds * 1000;
  console.log(`sidecar bench: ${seconds}s per phase, ${os.cpus().length} cores, sidecar from ${useBundle ? 'dist bundle' : 'TypeScript sources'}, Claude Code SSE turn (${REQUEST.length} B request, ${RESPONSE.length} B response in 256 B chunks)`);
  const database = await createTestPostgres();
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-bench-spool-'));
  const children: ChildProcess[] = [];
  try {
    // Phase 1: reply latency, normal mode, 200 concurrent streams; the sidecar delivers to an
    // ingest that answers at once.
    const echo = await startRole('--echo-server', 'echo');
    children.push(echo.child);
    const fakeIngest = await startRole('--fake-ingest', 'fake ingest');
    children.push(fakeIngest.child);
    const first = await startSidecar(`http://127.0.0.1:${fakeIngest.port}`, path.join(spoolDir, 'phase1'));
    children.push(first.child);
    const us = (v: number) => `${v.toFixed(1)} µs`;
    console.log('\n0. handler time per message, in process (decode, reply written, capture), 20 000 exchanges, no transport');
    for (const [name, capture] of [
      ['decode + reply only (baseline)', false],
      ['decode + reply + capture (sidecar)', true],
    ] as const) {
      handlerTime(2000, capture); // warm-up
      const { samples, turns } = handlerTime(20_000, capture);
      const sorted = samples.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      console.log(`     ${name.padEnd(36)} p50 ${us(at(0.5))}  p99 ${us(at(0.99))}  p99.9 ${us(at(0.999))}  mean ${us(sorted.reduce((a, b) => a + b, 0) / sorted.length)}  (${sorted.length} messages${capture ? `, ${turns} turns captured` : ''})`);
    }

    console.log(`\n1. reply latency per message, normal mode, ${STREAMS_LATENCY} concurrent streams (target p99 <= 1 ms)`);
    for (const [load, paceMs] of [
      [`paced: a chunk every ${PACE_MS} ms per stream (a streaming generation)`, PACE_MS],
      ['saturated: next message as soon as the reply arrives', 0],
    ] as const) {
      console.log(`   ${load}`);
      for (const [name, port] of [
        ['bare grpc-js echo server (baseline)', echo.port],
        ['tapes sidecar', first.grpcPort],
      ] as const) {
        const { samples, exchanges } = await replyLatency(port, STREAMS_LATENCY, ms, paceMs);
        const sorted = [...samples].sort((a, b) => a - b);
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
        const window = ms / 1000 - Math.min(3, seconds / 3);
        console.log(`     ${name.padEnd(36)} p50 ${fmt(at(0.5))}  p99 ${fmt(at(0.99))}  p99.9 ${fmt(at(0.999))}  max ${fmt(sorted[sorted.length - 1] ?? 0)}  (${(samples.length / window).toFixed(0)} msg/s, ${exchanges} exchanges)`);
      }
      await waitUntilDrained(first.httpPort);
    }
    const captured = await metric(first.httpPort, 'tapes_extproc_turns_captured_total');
    const delivered = await metric(first.httpPort, 'tapes_extproc_turns_delivered_total');
    console.log(`     (the sidecar captured ${captured} turns and delivered ${delivered} meanwhile)`);
    for (const child of children.splice(0).reverse()) await stop(child);

    // Phase 2: sustained turns/s into the real ingest: the same number of turns, first sent -> last stored.
    const ingestPort = await freePort();
    const ingest = spawnNode(['-r', '@swc-node/register', 'apps/ingest/src/main.ts'], { INGEST_PORT: String(ingestPort), DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    children.push(ingest.child);
    await waitFor(`http://127.0.0.1:${ingestPort}/ping`, ingest.child, ingest.output);
    const second = await startSidecar(`http://127.0.0.1:${ingestPort}`, path.join(spoolDir, 'phase2'));
    children.push(second.child);
    const total = THROUGHPUT_TURNS_PER_SECOND_GUESS * seconds;
    console.log(`\n2. sustained turns/s stored by the real ingest (PostgreSQL): ${total} turns, first sent -> last stored`);
    let started = Date.now();
    await directIngest(`http://127.0.0.1:${ingestPort}`, INGEST_CONNECTIONS, total);
    const directSeconds = (Date.now() - started) / 1000;
    console.log(`   ${'POST /v1/ingest directly (baseline)'.padEnd(40)} ${(total / directSeconds).toFixed(0)} turns/s  (${INGEST_CONNECTIONS} connections, ${directSeconds.toFixed(1)} s)`);
    const cpuBefore = cpuSeconds(second.child.pid);
    started = Date.now();
    await observeLoad(second.grpcPort, STREAMS_THROUGHPUT, total, 'obs');
    const streamedSeconds = (Date.now() - started) / 1000;
    await waitUntilDrained(second.httpPort);
    const storedSeconds = (Date.now() - started) / 1000;
    const stored = await metric(second.httpPort, 'tapes_extproc_turns_delivered_total');
    const spooled = await metric(second.httpPort, 'tapes_extproc_turns_spooled_total');
    const dropped = await metric(second.httpPort, 'tapes_extproc_turns_dropped_total');
    const cpu = cpuSeconds(second.child.pid) - cpuBefore;
    console.log(
      `   ${`Envoy -> sidecar -> ingest (${STREAMS_THROUGHPUT} streams)`.padEnd(40)} ${(stored / storedSeconds).toFixed(0)} turns/s  (${stored} delivered, ${spooled} via the spool, ${dropped} dropped; streamed in ${streamedSeconds.toFixed(1)} s, all stored after ${storedSeconds.toFixed(1)} s; sidecar CPU ${((cpu / storedSeconds) * 100).toFixed(0)}% of a core)`,
    );
  } finally {
    for (const child of children.reverse()) await stop(child);
    await database.drop();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

async function waitUntilDrained(httpPort: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const captured = await metric(httpPort, 'tapes_extproc_turns_captured_total');
    const settled = (await metric(httpPort, 'tapes_extproc_turns_delivered_total')) + (await metric(httpPort, 'tapes_extproc_turns_dropped_total'));
    const spooled = await metric(httpPort, 'tapes_extproc_spool_depth');
    if (settled >= captured && spooled === 0) return;
    if (Date.now() > deadline) throw new Error(`sidecar still delivering after 120 s (captured ${captured}, settled ${settled}, spooled ${spooled})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const role = args.includes('--echo-server') ? runEchoServer : args.includes('--fake-ingest') ? runFakeIngest : undefined;
if (role) {
  role().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
