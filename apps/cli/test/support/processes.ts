import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually, freePort, workspaceRoot } from '@tapes/testing';
import { TAPES_BIN } from './run-cli';

/** Children still running when the test process exits are killed, whatever went wrong. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A long-running child (the proxy, `tapes replay`) with its output kept for failure messages. */
export class Child {
  output = '';
  stdout = '';
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly label: string, readonly process: ChildProcess) {
    live.add(process);
    process.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.output += d.toString();
    });
    process.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exit = new Promise((resolve) =>
      process.once('exit', (code, signal) => {
        live.delete(process);
        resolve({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Sends `signal` and resolves with how it ended (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The real proxy, run from its sources as `tapes start` runs it, on a free loopback port, storing
 * into `<dataDir>/tapes.db`, every provider's upstream at `upstream`. Resolves once it is live.
 */
export async function startProxyProcess(options: { dataDir: string; upstream: string }): Promise<{ child: Child; url: string }> {
  const root = workspaceRoot();
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: options.dataDir,
    TAPES_PROXY_LISTEN: `127.0.0.1:${port}`,
    TAPES_DATA_DIR: options.dataDir,
    TAPES_UPSTREAM_ANTHROPIC: options.upstream,
    TAPES_UPSTREAM_OPENAI: options.upstream,
    SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json'),
    LOG_LEVEL: 'warn',
  };
  const child = new Child('proxy', spawn(process.execPath, ['--require', '@swc-node/register', path.join(root, 'apps/proxy/src/main.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    'the proxy to answer /_tapes/health/live',
    async () => {
      if (!child.running) throw new Error(`the proxy exited before it was ready:\n${child.output}`);
      try {
        const res = await fetch(`${url}/_tapes/health/live`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 120_000, intervalMs: 200, describe: () => child.output.slice(-2_000) },
  );
  return { child, url };
}

/** `tapes <args>` left running (a server): stdout and stderr kept. */
export function startTapes(args: string[], env: Record<string, string>): Child {
  const root = workspaceRoot();
  return new Child(`tapes ${args[0]}`, spawn(process.execPath, [TAPES_BIN, ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}
