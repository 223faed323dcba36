/**
 * What the capture proxy costs a client, each figure next to a direct-to-upstream baseline
 * measured in the same run against the same mock upstream (its own process).
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/bench/proxy.bench.ts [--bundle]
 *
 * The proxy runs as its own process with capture ON and its default embedded SQLite (in a temp
 * data dir): from TypeScript (`apps/proxy/src/main.ts` through @swc-node/register), or with
 * `--bundle` the built `dist/apps/proxy/main.js` (`npx nx build proxy` first). Every request below
 * is a turn (POST /v1/messages, status 200), so it is reduced, hashed and stored as in real use.
 * `LOG_LEVEL` (default `warn`) is passed to the proxy; `info` adds one access-log line per request.
 *
 * Phases (targets from issue #5):
 *  1. added latency, 2 KB one-shot request and response, 1 connection: p50 ≤ 0.3 ms, p99 ≤ 1 ms;
 *  2. throughput at 64 connections (autocannon, 5 s each): ≥ 0.6× direct;
 *  3. 120 SSE frames 20 ms apart, 3 rounds of 8 concurrent streams (after a warm-up round): added
 *     TTFB ≤ 1 ms, added inter-frame p99 ≤ 1 ms;
 *  4. 500 concurrent streams with 150 KB requests: proxy RSS (all threads) < 300 MB.
 * One machine runs client, proxy and upstream (2 cores here): the figures include that contention,
 * the baseline too. Each phase gets a fresh proxy process, so none inherits another's heap.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { percentiles, rssMb, startChild, stopChild, timedPost, timedStream, type Percentiles, type StreamTiming } from './lib/proxy-load';

const root = path.resolve(__dirname, '../..');
const useBundle = process.argv.includes('--bundle');
const logLevel = process.env['LOG_LEVEL'] ?? 'warn';

function requestBody(bytes: number, stream: boolean): Buffer {
  const base = { model: 'claude-sonnet-4-5', max_tokens: 1024, ...(stream ? { stream: true } : {}), messages: [{ role: 'user', content: '' }] };
  const overhead = Buffer.byteLength(JSON.stringify(base));
  base.messages[0]!.content = 'Summarise the proxy design. '.repeat(Math.ceil((bytes - overhead) / 27)).slice(0, Math.max(0, bytes - overhead));
  return Buffer.from(JSON.stringify(base));
}

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench', 'anthropic-version': '2023-06-01' };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilUp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      http.get(url, (res) => resolve(res.statusCode === 200)).on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function row(name: string, direct: string, proxy: string, added: string, target: string, met: boolean | undefined): string {
  return `| ${name} | ${direct} | ${proxy} | ${added} | ${target} | ${met === undefined ? '' : met ? 'met' : 'MISSED'} |`;
}

const f = (n: number, digits = 3): string => n.toFixed(digits);

async function latencyPhase(direct: string, proxy: string): Promise<{ direct: Percentiles; proxy: Percentiles }> {
  const body = requestBody(2048, false);
  const agents = { direct: new http.Agent({ keepAlive: true, maxSockets: 1 }), proxy: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const samples = { direct: [] as number[], proxy: [] as number[] };
  for (let i = 0; i < 500; i++) {
    await timedPost(agents.direct, direct, HEADERS, body);
    await timedPost(agents.proxy, proxy, HEADERS, body);
  }
  // Alternate blocks so drift (GC, the storage worker catching up) hits both sides alike.
  for (let block = 0; block < 6; block++) {
    for (const side of ['direct', 'proxy'] as const) {
      for (let i = 0; i < 500; i++) samples[side].push(await timedPost(agents[side], side === 'direct' ? direct : proxy, HEADERS, body));
    }
  }
  agents.direct.destroy();
  agents.proxy.destroy();
  return { direct: percentiles(samples.direct), proxy: percentiles(samples.proxy) };
}

async function throughput(url: string): Promise<number> {
  const result = await autocannon({ url, method: 'POST', connections: 64, duration: 5, headers: HEADERS, body: requestBody(2048, false) });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/** Rounds of 8 concurrent streams, one round after another. */
async function streamPhase(url: string, frames = 120, rounds = 3): Promise<{ ttfb: Percentiles; gaps: Percentiles; frames: number }> {
  const body = requestBody(2048, true);
  const runs: StreamTiming[] = [];
  for (let round = 0; round < rounds; round++) {
    runs.push(...(await Promise.all(Array.from({ length: 8 }, () => timedStream(url, { ...HEADERS, 'x-bench-mode': 'sse', 'x-bench-frames': String(frames) }, body)))));
  }
  if (runs.some((r) => r.frames !== frames)) throw new Error(`${url}: a stream did not deliver ${frames} frames`);
  return { ttfb: percentiles(runs.map((r) => r.ttfb)), gaps: percentiles(runs.flatMap((r) => r.gaps)), frames: runs.length * frames };
}

async function memoryPhase(url: string, pid: number): Promise<{ idle: number; peak: number }> {
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const body = requestBody(150 * 1024, true);
  const headers = { ...HEADERS, 'x-bench-mode': 'sse', 'x-bench-frames': '30', 'x-bench-gap-ms': '100' };
  const runs = await Promise.all(Array.from({ length: 500 }, () => timedStream(url, headers, body)));
  clearInterval(sampler);
  if (runs.some((r) => r.frames !== 30)) throw new Error('a concurrent stream did not deliver its 30 frames');
  return { idle, peak: Math.max(peak, rssMb(pid)) };
}

async function metric(base: string, name: string): Promise<string> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get(`${base}/_tapes/metrics`, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve(data));
    }).on('error', reject);
  });
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .map((l) => l.replace(/,?app="proxy"/, '').replace('{}', ''))
    .join('; ');
}

interface ProxyProcess {
  base: string;
  pid: number;
}

/** Runs one phase against a fresh proxy process (fresh data dir): phases do not inherit each other's heap. */
async function withProxy<T>(upstreamUrl: string, env: NodeJS.ProcessEnv, phase: (proxy: ProxyProcess) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-proxy-bench-'));
  const port = await freePort();
  const tsNode = ['--require', '@swc-node/register'];
  const entry = useBundle ? [path.join(root, 'dist/apps/proxy/main.js')] : [...tsNode, path.join(root, 'apps/proxy/src/main.ts')];
  const child = spawn(process.execPath, entry, {
    env: { ...env, TAPES_PROXY_LISTEN: `127.0.0.1:${port}`, TAPES_UPSTREAM_ANTHROPIC: upstreamUrl, TAPES_DATA_DIR: dataDir, LOG_LEVEL: logLevel },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${base}/_tapes/health/live`);
    return await phase({ base, pid: child.pid! });
  } finally {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const env = { ...process.env, SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json') };
  const upstream = await startChild(process.execPath, ['--require', '@swc-node/register', path.join(__dirname, 'lib/proxy-mock-upstream.ts')], env, /listening (\d+)/);
  const upstreamUrl = `http://127.0.0.1:${upstream.match[1]}`;
  const direct = `${upstreamUrl}/v1/messages`;
  try {
    console.log(`proxy: ${useBundle ? 'dist/apps/proxy/main.js' : 'apps/proxy/src/main.ts (swc)'}, a fresh process per phase, LOG_LEVEL=${logLevel}, capture ON, embedded SQLite`);
    console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

    const latency = await withProxy(upstreamUrl, env, (proxy) => latencyPhase(direct, `${proxy.base}/v1/messages`));
    const stream = await withProxy(upstreamUrl, env, async (proxy) => {
      await streamPhase(direct, 10, 1);
      await streamPhase(`${proxy.base}/v1/messages`, 10, 1); // warm-up: the SSE reduction path
      return { direct: await streamPhase(direct), proxy: await streamPhase(`${proxy.base}/v1/messages`) };
    });
    const memory = await withProxy(upstreamUrl, env, (proxy) => memoryPhase(`${proxy.base}/v1/messages`, proxy.pid));
    const load = await withProxy(upstreamUrl, env, async (proxy) => {
      const rps = { direct: await throughput(direct), proxy: await throughput(`${proxy.base}/v1/messages`) };
      const capture = [
        await metric(proxy.base, 'tapes_proxy_turns_captured_total'),
        await metric(proxy.base, 'tapes_proxy_turns_stored_total'),
        await metric(proxy.base, 'tapes_proxy_turns_dropped_total'),
        await metric(proxy.base, 'tapes_proxy_queue_bytes'),
      ];
      return { rps, capture };
    });

    const addedP50 = latency.proxy.p50 - latency.direct.p50;
    const addedP99 = latency.proxy.p99 - latency.direct.p99;
    const ratio = load.rps.proxy / load.rps.direct;
    const addedTtfb = stream.proxy.ttfb.p50 - stream.direct.ttfb.p50;
    const addedGapP99 = stream.proxy.gaps.p99 - stream.direct.gaps.p99;
    console.log('| figure | direct | via proxy | added / ratio | target | |');
    console.log('|---|---|---|---|---|---|');
    console.log(row('2 KB one-shot, 1 conn, p50 latency (ms)', f(latency.direct.p50), f(latency.proxy.p50), f(addedP50), '≤ 0.3 ms added', addedP50 <= 0.3));
    console.log(row('2 KB one-shot, 1 conn, p99 latency (ms)', f(latency.direct.p99), f(latency.proxy.p99), f(addedP99), '≤ 1 ms added', addedP99 <= 1));
    console.log(row('64 connections, requests/s', f(load.rps.direct, 0), f(load.rps.proxy, 0), `${f(ratio, 2)}×`, '≥ 0.6× direct', ratio >= 0.6));
    console.log(row('SSE 120×20 ms, TTFB p50 (ms)', f(stream.direct.ttfb.p50), f(stream.proxy.ttfb.p50), f(addedTtfb), '≤ 1 ms added', addedTtfb <= 1));
    console.log(row('SSE 120×20 ms, inter-frame p99 (ms)', f(stream.direct.gaps.p99), f(stream.proxy.gaps.p99), f(addedGapP99), '≤ 1 ms added', addedGapP99 <= 1));
    console.log(row('500 streams × 150 KB requests, proxy RSS (MB)', '', `${f(memory.peak, 0)} peak (idle ${f(memory.idle, 0)})`, '', '< 300 MB', memory.peak < 300));
    console.log(`\nstream frame gaps (ms): direct p50 ${f(stream.direct.gaps.p50)} / proxy p50 ${f(stream.proxy.gaps.p50)}; latency means: direct ${f(latency.direct.mean)} / proxy ${f(latency.proxy.mean)}`);
    console.log(`capture after the throughput phase: ${load.capture.join(' | ')}`);
  } finally {
    await stopChild(upstream.child);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
