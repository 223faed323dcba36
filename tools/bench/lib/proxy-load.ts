/**
 * Client-side measurements of the proxy benchmark: sequential request latency, stream frame
 * arrival times, a child process started and awaited, and a process's resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

export interface Percentiles {
  p50: number;
  p99: number;
  mean: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
}

/** One POST over a keep-alive agent; resolves with the milliseconds until the body ended. */
export function timedPost(agent: http.Agent, url: string, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': body.byteLength } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url}: status ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface StreamTiming {
  /** Request sent → first body byte, ms. */
  ttfb: number;
  /** Gaps between successive frame arrivals, ms. */
  gaps: number[];
  frames: number;
}

/** Reads one SSE response, noting when each frame (blank-line terminated) completed. */
export function timedStream(url: string, headers: http.OutgoingHttpHeaders, body: Buffer, agent: http.Agent | false = false): Promise<StreamTiming> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - started) / 1e6;
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': body.byteLength } }, (res) => {
      let ttfb = -1;
      const arrivals: number[] = [];
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = ms();
        if (ttfb < 0) ttfb = now;
        tail += chunk;
        let end: number;
        while ((end = tail.indexOf('\n\n')) !== -1) {
          arrivals.push(now);
          tail = tail.slice(end + 2);
        }
      });
      res.on('end', () => resolve({ ttfb, gaps: arrivals.slice(1).map((t, i) => t - arrivals[i]!), frames: arrivals.length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts a child process and waits for a stdout line matching `ready`; returns the match. */
export async function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const onData = (data: Buffer): void => {
      output += data.toString('utf8');
      const found = output.match(ready);
      if (found) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready:\n${output.slice(-4000)}`)));
  });
  child.stderr?.resume();
  return { child, match };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** Resident set size of a process (all its threads), MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
