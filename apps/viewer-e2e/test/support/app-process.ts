import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, freePort } from '@tapes/testing';
import { bundlePath, type ViewerApp } from './bundles';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * One app started from its bundle as a user starts it (`node dist/apps/<app>/main.js`, configured
 * by environment), on a free port with its own data directory.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  output = '';
  readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-viewer-e2e-'));

  private constructor(
    readonly app: ViewerApp,
    readonly port: number,
  ) {}

  /** `before` runs once the data directory exists and before the app starts (seeding its database). */
  static async start(app: ViewerApp, env: (port: number, dataDir: string) => Record<string, string>, readyPath: string, before?: (dataDir: string) => Promise<void>): Promise<AppProcess> {
    const proc = new AppProcess(app, await freePort());
    await before?.(proc.dataDir);
    const child = spawn(process.execPath, ['--enable-source-maps', bundlePath(app)], {
      cwd: proc.dataDir,
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', TAPES_LOG_LEVEL: 'warn', ...env(proc.port, proc.dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const keep = (chunk: Buffer) => (proc.output = (proc.output + chunk.toString('utf8')).slice(-32_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await eventually(`${app} to answer ${readyPath}`, async () => {
      if (child.exitCode !== null) throw new Error(`${app} exited (${child.exitCode}) before it was ready:\n${proc.output}`);
      try {
        const res = await fetch(`${proc.url}${readyPath}`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 60_000 });
    return proc;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
