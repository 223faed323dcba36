import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FakeAgentRecord {
  name: string;
  argv: string[];
  env: Record<string, string>;
  stdin: string;
  cwd: string;
}

/**
 * A bin directory holding `claude`, `codex`, `gemini` and `opencode`, each running fake-agent.cjs;
 * put it first on PATH. `record` is where the agent writes what it was given.
 */
export function fakeAgentBin(): { dir: string; record: string; read: () => FakeAgentRecord } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tapes-fake-agents-'));
  const script = path.join(__dirname, 'fake-agent.cjs');
  for (const name of ['claude', 'codex', 'gemini', 'opencode']) {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\nFAKE_AGENT_NAME=${name} exec "${process.execPath}" "${script}" "$@"\n`);
    chmodSync(file, 0o755);
  }
  const record = path.join(dir, 'record.json');
  return { dir, record, read: () => JSON.parse(readFileSync(record, 'utf8')) as FakeAgentRecord };
}
