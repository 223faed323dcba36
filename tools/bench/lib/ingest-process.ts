/**
 * The real ingest for benches, run as production runs it: its bundle (`node main.js`, built into a
 * temp folder first) in its own process, configured by environment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { freePort, workspaceRoot } from '@tapes/testing';

/**
 * Builds the ingest bundle into a temp folder under the repository's tmp/ (gitignored; inside the
 * repository so the bundle resolves node_modules), leaving dist/ to whoever else runs.
 */
export function buildIngest(): { dir: string; main: string } {
  mkdirSync(path.join(workspaceRoot(), 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(workspaceRoot(), 'tmp', 'bench-ingest-'));
  const built = spawnSync(process.execPath, [path.join(workspaceRoot(), 'tools/build/build-app.mjs'), 'ingest'], {
    encoding: 'utf8',
    env: { ...process.env, TAPES_BUILD_OUT_DIR: dir },
  });
  if (built.status !== 0) throw new Error(`building ingest failed:\n${built.stderr}`);
  return { dir, main: path.join(dir, 'main.js') };
}

/** `node main.js` with `env`, resolved once /ping answers. */
export async function startIngest(main: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: path.dirname(main),
    env: { PATH: process.env['PATH'] ?? '', INGEST_HOST: '127.0.0.1', INGEST_PORT: String(port), LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ingest exited (${child.exitCode}) before answering /ping`);
    try {
      if ((await fetch(`${base}/ping`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, base, stop };
}
