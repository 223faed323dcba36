import { spawn, type ChildProcess } from 'node:child_process';
import { bundlePath, type AppName } from './app-bundles';
import { eventually } from '@tapes/testing';

export interface AppProcessOptions {
  app: AppName;
  /** Shown in failures and in the fault tables: `proxy`, `ingest (sidecar's)`, … */
  label: string;
  /** The app's whole environment besides PATH: as a user configures it, nothing inherited. */
  env: Record<string, string>;
  /** Where its HTTP side listens, and the path that answers 200 once it is ready. */
  httpPort: number;
  readyPath: string;
  metricsPath: string;
  /** Working directory (relative data paths resolve here). */
  cwd: string;
}

/** Processes still running when the test process exits are killed, whatever went wrong. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** How much of a process's output is kept for failure messages. */
const OUTPUT_TAIL_BYTES = 64 * 1024;

/**
 * One of the apps run as a user runs it: `node --enable-source-maps dist/apps/<app>/main.js` with
 * its configuration in the environment. It can be started again after a stop (SIGTERM, the
 * graceful path) or a kill (SIGKILL, a crash), on the same ports and data directories.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(readonly options: AppProcessOptions) {}

  get label(): string {
    return this.options.label;
  }

  /** `http://127.0.0.1:<httpPort>` */
  get url(): string {
    return `http://127.0.0.1:${this.options.httpPort}`;
  }

  /** The running process's id (for /proc readings); undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote (stdout and stderr interleaved). */
  get recentOutput(): string {
    return this.output;
  }

  /** Spawns the bundle and resolves once the ready path answers 200; fails if it exits first. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.label} is already running`);
    const child = spawn(process.execPath, ['--enable-source-maps', bundlePath(this.options.app)], {
      cwd: this.options.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited (${signal ?? code}) before it was ready`));
    await eventually(
      `${this.label} to answer ${this.options.readyPath}`,
      async () => {
        if (exited) throw new Error(`${this.label} ${exited}:\n${this.output}`);
        return (await this.probe(this.options.readyPath)) === 200 ? true : undefined;
      },
      { timeoutMs, intervalMs: 50, describe: () => this.output.slice(-2_000) },
    );
  }

  /**
   * SIGTERM, the graceful path (drain, spool, close storage); resolves with the exit status (a
   * number, or the signal that ended it) once the process is gone.
   */
  stop(graceMs = 20_000): Promise<number | NodeJS.Signals | undefined> {
    return this.signal('SIGTERM', graceMs);
  }

  /** SIGKILL: a crash, nothing flushed. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 10_000);
  }

  /** The Prometheus exposition from the app's own /metrics. */
  async metrics(): Promise<string> {
    const response = await fetch(`${this.url}${this.options.metricsPath}`);
    if (response.status !== 200) throw new Error(`${this.label} ${this.options.metricsPath} answered ${response.status}`);
    return response.text();
  }

  private async probe(pathname: string): Promise<number | undefined> {
    try {
      const response = await fetch(`${this.url}${pathname}`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return undefined; // not listening yet
    }
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<number | NodeJS.Signals | undefined> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
