/**
 * What the capture proxy costs a client, side by side with two proxies that capture nothing, all
 * measured in one run against the same mock upstream (its own process) by the same client (#17):
 *
 *  - **nginx** (C, pass-through: keep-alive upstream pool, no buffering), from Debian's
 *    `nginx-light` (`apt-get install nginx-light`), started with a generated config, one worker;
 *    skipped with a note when it is not installed or does not start;
 *  - **a minimal Node proxy** (`lib/minimal-node-proxy.ts`: core `http` keep-alive pool + `pipe`,
 *    no capture), bundled to plain JavaScript and run as its own process;
 *  - **tapes**, capture ON, its default embedded SQLite in a temp data dir, twice: with its journal
 *    (as shipped) and with the journal off — the same build with `<data dir>/journal` made
 *    unusable (a file where the directory should be), so captured turns go to the storage worker
 *    from memory (the degraded mode of #12): the difference is what the journal costs (#12:
 *    target ≤ 0.1 ms p50).
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/bench/proxy.bench.ts [--source]
 *
 * tapes runs from the bundle `dist/apps/proxy/main.js` (`node tools/build/build-app.mjs proxy`
 * first) as it is shipped, or with `--source` from TypeScript through @swc-node/register (slower
 * to start, more memory). `LOG_LEVEL` (default `warn`) is passed to it. Every request is a turn
 * (POST /v1/messages, status 200): reduced, hashed and stored as in real use.
 *
 * Phases, each side against a direct-to-upstream measurement taken right before it (ratios come
 * from neighbours, so drift on a shared machine hits both alike); tapes gets a fresh process per
 * phase, so no phase inherits another's heap or the storage thread's backlog:
 *  1. start-up: spawn → listening (tapes: `/_tapes/health/live` answers);
 *  2. added latency, 2 KB one-shot request and response, 1 connection, blocks of 500 alternating
 *     with direct (after 500 warm-up requests each);
 *  3. throughput at 64 connections (autocannon, 5 s);
 *  4. 120 SSE frames 20 ms apart, 3 rounds of 8 concurrent streams after a warm-up round: TTFB
 *     p50, inter-frame p99; for tapes also right after a 3 s burst at 64 connections, while the
 *     storage thread works off its backlog;
 *  5. RSS (all threads; nginx: master + worker): idle 1 s after start-up, and the peak sampled every
 *     50 ms during 500 concurrent streams with 150 KB requests (30 frames 100 ms apart).
 * Targets (#17) are checked at the end against the minimal Node proxy of the same run.
 * One machine runs client, proxies and upstream (2 cores here): the figures include that
 * contention, the baseline too; the load average is printed.
 */
import './lib/aliases';
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@tapes/testing';
import { percentiles, rssMb, startChild, stopChild, timedPost, timedStream, type Percentiles, type StreamTiming } from './lib/proxy-load';

const root = path.resolve(__dirname, '../..');
const fromSource = process.argv.includes('--source');
const logLevel = process.env['LOG_LEVEL'] ?? 'warn';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tapes-proxy-bench-'));

function requestBody(bytes: number, stream: boolean): Buffer {
  const base = { model: 'claude-sonnet-4-5', max_tokens: 1024, ...(stream ? { stream: true } : {}), messages: [{ role: 'user', content: '' }] };
  const overhead = Buffer.byteLength(JSON.stringify(base));
  base.messages[0]!.content = 'Summarise the proxy design. '.repeat(Math.ceil((bytes - overhead) / 27)).slice(0, Math.max(0, bytes - overhead));
  return Buffer.from(JSON.stringify(base));
}

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench', 'anthropic-version': '2023-06-01' };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const f = (n: number | undefined, digits = 2): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
/** A difference with its sign: +0.42, −0.79. */
const d = (n: number, digits = 2): string => (Number.isNaN(n) ? '–' : `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(digits)}`);

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}) before it answered`);
    const ok = await new Promise<boolean>((resolve) => {
      http.get(url, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await sleep(5);
  }
}

/** A proxy under test, running: where to send turns, and the processes whose memory is its own. */
interface Running {
  url: string;
  pids: number[];
  startupMs: number;
  stop(): Promise<void>;
}

interface Side {
  name: string;
  /** Starts a fresh instance (tapes: a fresh process and data dir per phase; the others are started once). */
  start(): Promise<Running>;
  /** True when each phase gets its own instance. */
  fresh: boolean;
  tapes: boolean;
}

function tapesSide(name: string, upstreamUrl: string, journal: boolean): Side {
  return {
    name,
    fresh: true,
    tapes: true,
    async start() {
      const dataDir = mkdtempSync(path.join(scratch, 'data-'));
      // A file where the journal's directory goes: the journal cannot open, turns go from memory.
      if (!journal) writeFileSync(path.join(dataDir, 'journal'), 'not a directory\n');
      const port = await freePort();
      const entry = fromSource ? ['--require', '@swc-node/register', path.join(root, 'apps/proxy/src/main.ts')] : [path.join(root, 'dist/apps/proxy/main.js')];
      const started = performance.now();
      const child = spawn(process.execPath, entry, {
        env: { ...process.env, TAPES_PROXY_LISTEN: `127.0.0.1:${port}`, TAPES_UPSTREAM_ANTHROPIC: upstreamUrl, TAPES_DATA_DIR: dataDir, LOG_LEVEL: journal ? logLevel : 'fatal' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const base = `http://127.0.0.1:${port}`;
      await waitUntilUp(`${base}/_tapes/health/live`, child);
      const startupMs = performance.now() - started;
      return {
        url: `${base}/v1/messages`,
        pids: [child.pid!],
        startupMs,
        stop: async () => {
          await stopChild(child);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

function minimalNodeSide(upstreamUrl: string): Side {
  const bundle = path.join(scratch, 'minimal-node-proxy.js');
  buildSync({ entryPoints: [path.join(__dirname, 'lib/minimal-node-proxy.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
  return {
    name: 'minimal Node proxy (http pool + pipe)',
    fresh: false,
    tapes: false,
    async start() {
      const started = performance.now();
      const { child, match } = await startChild(process.execPath, [bundle, upstreamUrl], process.env, /listening (\d+)/);
      const startupMs = performance.now() - started;
      return { url: `http://127.0.0.1:${match[1]}/v1/messages`, pids: [child.pid!], startupMs, stop: () => stopChild(child) };
    },
  };
}

/** nginx from Debian's nginx-light, or why it cannot run here. */
function nginxSide(upstreamUrl: string): Side | string {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);
  if (!binary) return 'nginx skipped: not installed (apt-get install nginx-light)';
  const dir = path.join(scratch, 'nginx');
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const upstream = new URL(upstreamUrl);
  const config = (port: number): string => `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_timeout 60s;
  keepalive_requests 1000000;
  client_max_body_size 64m;
  client_body_buffer_size 256k;
  upstream provider { server ${upstream.hostname}:${upstream.port}; keepalive 256; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://provider;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
  return {
    name: 'nginx (C, pass-through)',
    fresh: false,
    tapes: false,
    async start() {
      const port = await freePort();
      writeFileSync(path.join(dir, 'nginx.conf'), config(port));
      const started = performance.now();
      const child = spawn(binary, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const url = `http://127.0.0.1:${port}/v1/messages`;
      try {
        // A GET through nginx reaches the mock upstream, which answers it with a one-shot body.
        await waitUntilUp(url, child, 10_000);
      } catch {
        await stopChild(child);
        throw new Error(`nginx did not start: ${stderr.trim() || readFileSafe(path.join(dir, 'error.log'))}`);
      }
      const startupMs = performance.now() - started;
      const pids = (): number[] => [child.pid!, ...childPids(child.pid!)];
      return { url, get pids() { return pids(); }, startupMs, stop: () => stopChild(child) };
    },
  };
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no error log)';
  }
}

/** The children of a process (nginx's worker), from /proc. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rssOf(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    try {
      return sum + rssMb(pid);
    } catch {
      return sum;
    }
  }, 0);
}

async function latency(direct: string, url: string): Promise<{ direct: Percentiles; side: Percentiles }> {
  const body = requestBody(2048, false);
  const agents = { direct: new http.Agent({ keepAlive: true, maxSockets: 1 }), side: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const samples = { direct: [] as number[], side: [] as number[] };
  for (let i = 0; i < 500; i++) {
    await timedPost(agents.direct, direct, HEADERS, body);
    await timedPost(agents.side, url, HEADERS, body);
  }
  // Alternate blocks so drift (GC, the storage worker catching up) hits both sides alike.
  for (let block = 0; block < 6; block++) {
    for (const side of ['direct', 'side'] as const) {
      for (let i = 0; i < 500; i++) samples[side].push(await timedPost(agents[side], side === 'direct' ? direct : url, HEADERS, body));
    }
  }
  agents.direct.destroy();
  agents.side.destroy();
  return { direct: percentiles(samples.direct), side: percentiles(samples.side) };
}

async function throughput(url: string, duration = 5): Promise<number> {
  const result = await autocannon({ url, method: 'POST', connections: 64, duration, headers: HEADERS, body: requestBody(2048, false) });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

interface StreamFigures {
  ttfb: Percentiles;
  gaps: Percentiles;
}

/** Rounds of 8 concurrent streams, one round after another. */
async function streams(url: string, frames = 120, rounds = 3): Promise<StreamFigures> {
  const body = requestBody(2048, true);
  const runs: StreamTiming[] = [];
  for (let round = 0; round < rounds; round++) {
    runs.push(...(await Promise.all(Array.from({ length: 8 }, () => timedStream(url, { ...HEADERS, 'x-bench-mode': 'sse', 'x-bench-frames': String(frames) }, body)))));
  }
  if (runs.some((r) => r.frames !== frames)) throw new Error(`${url}: a stream did not deliver ${frames} frames`);
  return { ttfb: percentiles(runs.map((r) => r.ttfb)), gaps: percentiles(runs.flatMap((r) => r.gaps)) };
}

async function memory(running: Running): Promise<{ idle: number; peak: number }> {
  await sleep(1_000);
  const idle = rssOf(running.pids);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(running.pids))), 50);
  const body = requestBody(150 * 1024, true);
  const headers = { ...HEADERS, 'x-bench-mode': 'sse', 'x-bench-frames': '30', 'x-bench-gap-ms': '100' };
  const runs = await Promise.all(Array.from({ length: 500 }, () => timedStream(running.url, headers, body)));
  clearInterval(sampler);
  if (runs.some((r) => r.frames !== 30)) throw new Error(`${running.url}: a concurrent stream did not deliver its 30 frames`);
  return { idle, peak: Math.max(peak, rssOf(running.pids)) };
}

interface SideFigures {
  name: string;
  tapes: boolean;
  startupMs: number[];
  latency: { direct: Percentiles; side: Percentiles };
  rps: { direct: number; side: number };
  stream: { direct: StreamFigures; side: StreamFigures };
  afterBurst?: StreamFigures;
  rss: { idle: number; peak: number };
}

async function measure(side: Side, direct: string): Promise<SideFigures> {
  const startupMs: number[] = [];
  const shared = side.fresh ? undefined : await side.start();
  if (shared) startupMs.push(shared.startupMs);
  const phase = async <T>(run: (running: Running) => Promise<T>): Promise<T> => {
    if (shared) return run(shared);
    const running = await side.start();
    startupMs.push(running.startupMs);
    try {
      return await run(running);
    } finally {
      await running.stop();
    }
  };
  try {
    process.stderr.write(`  ${side.name}: latency…`);
    const lat = await phase((r) => latency(direct, r.url));
    process.stderr.write(' throughput…');
    const rps = await phase(async (r) => ({ direct: await throughput(direct), side: await throughput(r.url) }));
    process.stderr.write(' streams…');
    const stream = await phase(async (r) => {
      await streams(direct, 10, 1);
      await streams(r.url, 10, 1); // warm-up: the SSE reduction path
      return { direct: await streams(direct), side: await streams(r.url) };
    });
    let afterBurst: StreamFigures | undefined;
    if (side.tapes) {
      process.stderr.write(' streams after a burst…');
      afterBurst = await phase(async (r) => {
        await streams(r.url, 10, 1);
        await throughput(r.url, 3);
        return streams(r.url);
      });
    }
    process.stderr.write(' memory…');
    const rss = await phase((r) => memory(r));
    process.stderr.write(' done\n');
    return { name: side.name, tapes: side.tapes, startupMs, latency: lat, rps, stream, ...(afterBurst ? { afterBurst } : {}), rss };
  } finally {
    await shared?.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function mark(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

async function main(): Promise<void> {
  const upstream = await startChild(process.execPath, ['--require', '@swc-node/register', path.join(__dirname, 'lib/proxy-mock-upstream.ts')], process.env, /listening (\d+)/);
  const upstreamUrl = `http://127.0.0.1:${upstream.match[1]}`;
  const direct = `${upstreamUrl}/v1/messages`;
  const notes: string[] = [];
  try {
    console.log(`tapes: ${fromSource ? 'apps/proxy/src/main.ts (swc)' : 'dist/apps/proxy/main.js'}, a fresh process per phase, LOG_LEVEL=${logLevel}, capture ON, embedded SQLite`);
    console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}, load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

    const sides: Side[] = [];
    const nginx = nginxSide(upstreamUrl);
    if (typeof nginx === 'string') notes.push(nginx);
    else sides.push(nginx);
    sides.push(minimalNodeSide(upstreamUrl), tapesSide('tapes, capture ON, journal on', upstreamUrl, true), tapesSide('tapes, capture ON, journal off', upstreamUrl, false));

    const results: SideFigures[] = [];
    for (const side of sides) {
      try {
        results.push(await measure(side, direct));
      } catch (err) {
        if (side.tapes) throw err;
        process.stderr.write('\n');
        notes.push(`${side.name} skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }

    const directTtfb = median(results.map((r) => r.stream.direct.ttfb.p50));
    const directGap = median(results.map((r) => r.stream.direct.gaps.p99));
    console.log(`| side | start-up (ms) | p50 added (ms) | p99 added (ms) | c=64 req/s (× direct) | SSE TTFB p50 (ms; direct ${f(directTtfb)}) | SSE inter-frame p99 (ms; direct ${f(directGap)}) | RSS idle / peak (MB) |`);
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const addedP50 = r.latency.side.p50 - r.latency.direct.p50;
      const addedP99 = r.latency.side.p99 - r.latency.direct.p99;
      console.log(
        `| ${r.name} | ${f(median(r.startupMs), 0)} | ${d(addedP50, 3)} | ${d(addedP99, 3)} | ${f(r.rps.side, 0)} (${f(r.rps.side / r.rps.direct)}×) | ${f(r.stream.side.ttfb.p50)} (${d(r.stream.side.ttfb.p50 - r.stream.direct.ttfb.p50)}) | ${f(r.stream.side.gaps.p99)} (${d(r.stream.side.gaps.p99 - r.stream.direct.gaps.p99)}) | ${f(r.rss.idle, 0)} / ${f(r.rss.peak, 0)} |`,
      );
      if (r.afterBurst) console.log(`| ↳ streams right after a 3 s burst at c=64 | | | | | ${f(r.afterBurst.ttfb.p50)} (${d(r.afterBurst.ttfb.p50 - r.stream.direct.ttfb.p50)}) | ${f(r.afterBurst.gaps.p99)} (${d(r.afterBurst.gaps.p99 - r.stream.direct.gaps.p99)}) | |`);
    }
    console.log('');
    for (const note of notes) console.log(`note: ${note}`);

    const node = results.find((r) => r.name.startsWith('minimal Node'));
    const on = results.find((r) => r.name.endsWith('journal on'))!;
    const off = results.find((r) => r.name.endsWith('journal off'))!;
    const added = (r: SideFigures): number => r.latency.side.p50 - r.latency.direct.p50;
    const ratio = (r: SideFigures): number => r.rps.side / r.rps.direct;
    console.log('\ntargets (#17, #12):');
    if (node) {
      console.log(`- added p50 ≤ minimal Node's + 0.15 ms: ${f(added(on), 3)} vs ${f(added(node) + 0.15, 3)} → ${mark(added(on) <= added(node) + 0.15)}`);
      console.log(`- c=64 throughput ≥ 1.0× minimal Node's: ${f(ratio(on) / ratio(node))}× → ${mark(ratio(on) >= ratio(node))}`);
    }
    const ttfbAdded = on.stream.side.ttfb.p50 - on.stream.direct.ttfb.p50;
    const gapAdded = on.stream.side.gaps.p99 - on.stream.direct.gaps.p99;
    console.log(`- streams within noise of direct (≤ 1 ms added): TTFB ${d(ttfbAdded)} ms, inter-frame p99 ${d(gapAdded)} ms → ${mark(ttfbAdded <= 1 && gapAdded <= 1)}`);
    if (on.afterBurst) {
      const t = on.afterBurst.ttfb.p50 - on.stream.direct.ttfb.p50;
      const g = on.afterBurst.gaps.p99 - on.stream.direct.gaps.p99;
      console.log(`- the same while storage works off a burst: TTFB ${d(t)} ms, inter-frame p99 ${d(g)} ms → ${mark(t <= 1 && g <= 1)}`);
    }
    console.log(`- RSS ≤ 100 MB idle after start: ${f(on.rss.idle, 0)} MB → ${mark(on.rss.idle <= 100)}`);
    console.log(`- RSS ≤ 200 MB during 500 concurrent 150 KB-request streams: ${f(on.rss.peak, 0)} MB → ${mark(on.rss.peak <= 200)}`);
    console.log(`- start-up ≤ 1 s to listening: median ${f(median(on.startupMs), 0)} ms of ${on.startupMs.length} starts → ${mark(median(on.startupMs) <= 1000)}`);
    const journalP50 = added(on) - added(off);
    console.log(`- journal cost ≤ 0.1 ms p50: on − off = ${f(journalP50, 3)} ms; c=64 throughput on/off ${f(ratio(on) / ratio(off))}× → ${mark(journalP50 <= 0.1)}`);
    console.log(`\nload average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await stopChild(upstream.child);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(1);
});
