import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';

export const TAPES_BIN = path.join(workspaceRoot(), 'apps/cli/bin/tapes.cjs');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tapes` as a process, as a user or a script would: the exit code and both streams come back.
 * HOME points at a temp dir so nothing reads or writes the real ~/.tapes; NO_COLOR and the absence
 * of a terminal keep the output plain.
 */
export function runTapes(args: string[], options: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {}): Promise<CliRun> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tapes-cli-home-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, HOME: home, NO_COLOR: '1', TAPES_URL: undefined, DATABASE_URL: undefined, TAPES_DATA_DIR: undefined, ...options.env })) {
    if (v !== undefined) env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TAPES_BIN, ...args], { cwd: options.cwd ?? workspaceRoot(), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
