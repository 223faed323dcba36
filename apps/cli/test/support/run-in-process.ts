import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { workspaceRoot } from '@tapes/testing';
import { runCli } from '../../src/program';
import type { CliRun } from './run-cli';

/**
 * Runs a `tapes` command inside the test process (runCli with in-memory streams): the same
 * commands, options and exit codes as the executable, without a process start each time. Tests
 * that are about the process itself (exit status, the real streams) spawn it with runTapes.
 */
export async function tapesInProcess(args: string[], options: { env?: Record<string, string>; cwd?: string; signals?: EventEmitter } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const home = mkdtempSync(path.join(os.tmpdir(), 'tapes-cli-home-'));
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: { HOME: home, NO_COLOR: '1', PATH: process.env['PATH'] ?? '', ...options.env },
    cwd: options.cwd ?? workspaceRoot(),
    signals: options.signals ?? new EventEmitter(),
  });
  return { code, signal: null, stdout: out, stderr: err };
}
