import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';

/**
 * The real apps/ingest, run from its sources as its own process (`node -r @swc-node/register
 * apps/ingest/src/main.ts`), exactly as configured by environment in production: the sidecar talks
 * to it over HTTP, and it can be stopped and started again to play an outage.
 */
export class IngestProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const root = workspaceRoot();
    this.output = '';
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(root, 'apps/ingest/src/main.ts')], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', INGEST_HOST: '127.0.0.1', INGEST_PORT: String(this.port), LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`ingest exited (${code}) before answering /ping:\n${this.output}`))));
    await Promise.race([this.waitForPing(60_000), exited]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** GET with the bearer token, parsed JSON. */
  async get<T>(pathname: string): Promise<{ status: number; body: T }> {
    const token = this.env['INGEST_TOKEN'];
    const response = await fetch(`${this.url}${pathname}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: (await response.json()) as T };
  }

  private async waitForPing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const response = await fetch(`${this.url}/ping`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`ingest did not answer /ping within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
