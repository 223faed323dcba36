import { promises as fs } from 'node:fs';
import path from 'node:path';

/** What `tapes start` records about the proxy it launched, in `<data-dir>/proxy.json`. */
export interface ProxyState {
  pid: number;
  /** `http://127.0.0.1:<port>`: the base URL agents are pointed at. */
  url: string;
  /** The store it writes to (password masked): a second `tapes start` with another store must not reuse it. */
  store: string;
  startedAt: string;
  /** The proxy's own log (stdout and stderr). */
  log: string;
}

export const STATE_FILE = 'proxy.json';
export const LOG_FILE = 'proxy.log';

export function statePath(dataDir: string): string {
  return path.join(dataDir, STATE_FILE);
}

export async function readProxyState(dataDir: string): Promise<ProxyState | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(statePath(dataDir), 'utf8')) as Partial<ProxyState>;
    if (typeof parsed.pid !== 'number' || typeof parsed.url !== 'string') return undefined;
    return { pid: parsed.pid, url: parsed.url, store: String(parsed.store ?? ''), startedAt: String(parsed.startedAt ?? ''), log: String(parsed.log ?? '') };
  } catch {
    return undefined;
  }
}

/** Written atomically (a reader never sees half a file); readable by the user only. */
export async function writeProxyState(dataDir: string, state: ProxyState): Promise<void> {
  const file = statePath(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(temp, file);
}

export async function removeProxyState(dataDir: string, pid: number): Promise<void> {
  const current = await readProxyState(dataDir);
  if (current?.pid === pid) await fs.rm(statePath(dataDir), { force: true });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
