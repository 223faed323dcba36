import { spawn } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CliError, EXIT } from '../exit-codes';
import type { CliSettings } from '../settings';
import { workspaceRoot } from '../workspace';
import { proxyHealth } from './proxy-health';
import { LOG_FILE, processAlive, readProxyState, removeProxyState, writeProxyState, type ProxyState } from './proxy-state';

/** A cold start compiles the proxy from source (a few seconds; far more on a loaded machine). */
const START_TIMEOUT_MS = 120_000;

export interface EnsuredProxy extends ProxyState {
  /** False when a running proxy was reused. */
  started: boolean;
}

/**
 * The proxy recorded in the data dir, when its process is alive and it answers its liveness probe.
 * A record whose process is gone, or whose port answers nothing tapes-like (the port now someone
 * else's), is stale: removed, undefined. A live proxy that does not answer in time is not replaced
 * — two proxies on one data dir would share its journal — but reported (exit 4).
 */
export async function findRunningProxy(dataDir: string): Promise<ProxyState | undefined> {
  const state = await readProxyState(dataDir);
  if (!state) return undefined;
  if (!processAlive(state.pid)) {
    await removeProxyState(dataDir, state.pid);
    return undefined;
  }
  let health = await proxyHealth(state.url, 5_000, '/_tapes/health/live');
  // A loaded machine (or a proxy busy starting) can miss one deadline; ask again before judging.
  for (let attempt = 0; !health.ok && health.kind === 'unwell' && attempt < 3; attempt++) health = await proxyHealth(state.url, 10_000, '/_tapes/health/live');
  if (health.ok) return state;
  if (health.kind === 'absent') {
    await removeProxyState(dataDir, state.pid);
    return undefined;
  }
  throw new CliError(EXIT.unavailable, `the proxy for this data dir (pid ${state.pid}, ${state.url}) does not answer: ${health.reason}`, { hint: `see ${state.log}; stop it (kill ${state.pid}) and run tapes start again` });
}

/**
 * A proxy for this data dir: the running one (`proxy.json` names it and its health probe answers),
 * or a new one on a free loopback port, started detached so it outlives this `tapes start` and is
 * shared by the next ones. Two `tapes start` at once do not start two proxies: starting holds
 * `<data-dir>/proxy.lock`, and the second re-checks after the first is done.
 */
export async function ensureProxy(settings: CliSettings, store: string, env: NodeJS.ProcessEnv, note: (text: string) => void): Promise<EnsuredProxy> {
  await fs.mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  const running = await findRunningProxy(settings.dataDir);
  if (running) return { ...checkStore(running, store), started: false };
  const release = await lock(path.join(settings.dataDir, 'proxy.lock'));
  try {
    const raced = await findRunningProxy(settings.dataDir);
    if (raced) return { ...checkStore(raced, store), started: false };
    note(`tapes: starting a proxy for ${settings.dataDir} …`);
    return { ...(await startProxy(settings, store, env)), started: true };
  } finally {
    await release();
  }
}

function checkStore(state: ProxyState, store: string): ProxyState {
  if (state.store && state.store !== store) {
    throw new CliError(EXIT.failure, `the proxy running for this data dir (pid ${state.pid}, ${state.url}) stores into ${state.store}, not ${store}`, {
      hint: `stop it (kill ${state.pid}) or give another --data-dir`,
    });
  }
  return state;
}

async function startProxy(settings: CliSettings, store: string, env: NodeJS.ProcessEnv): Promise<ProxyState> {
  const workspace = workspaceRoot();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = path.join(settings.dataDir, LOG_FILE);
  const out = openSync(log, 'a', 0o600);
  const proxyEnv: NodeJS.ProcessEnv = {
    ...env,
    TAPES_PROXY_LISTEN: `127.0.0.1:${port}`,
    TAPES_DATA_DIR: settings.dataDir,
    SWC_NODE_PROJECT: path.join(workspace, 'tsconfig.base.json'),
  };
  proxyEnv['TAPES_AGENT_ROUTES'] = agentRoutes(env['TAPES_AGENT_ROUTES']);
  if (settings.databaseUrl) proxyEnv['DATABASE_URL'] = settings.databaseUrl;
  else delete proxyEnv['DATABASE_URL'];
  let child;
  try {
    // Detached in its own process group: Ctrl-C in the agent's terminal does not reach it, and it
    // keeps serving after this `tapes start` exits (the next one reuses it).
    child = spawn(process.execPath, ['--require', '@swc-node/register', path.join(workspace, 'apps/proxy/src/main.ts')], { cwd: workspace, env: proxyEnv, detached: true, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const pid = child.pid;
  if (pid === undefined) throw new CliError(EXIT.unavailable, 'could not start the proxy', { hint: `see ${log}` });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const state: ProxyState = { pid, url, store, startedAt: new Date().toISOString(), log };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new CliError(EXIT.unavailable, `the proxy exited during start-up (code ${exited}): ${await logTail(log)}`, { hint: `see ${log}` });
    const health = await proxyHealth(url, 1_000);
    if (health.ok) break;
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGTERM');
      throw new CliError(EXIT.unavailable, `the proxy did not become ready at ${url} within ${START_TIMEOUT_MS / 1000} s`, { hint: `see ${log}` });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await writeProxyState(settings.dataDir, state);
  return state;
}

/**
 * The user's agent routes, plus `codex` → ChatGPT's Codex backend unless they route codex
 * themselves: a Codex signed in with ChatGPT is pointed at `/agents/codex` (codex.agent.ts).
 * A malformed value is passed on as it is, for the proxy to refuse with its own message.
 */
function agentRoutes(userRoutes: string | undefined): string {
  const codex = { provider: 'openai', upstream: 'https://chatgpt.com/backend-api/codex' };
  if (!userRoutes?.trim()) return JSON.stringify({ codex });
  try {
    const parsed = JSON.parse(userRoutes) as Record<string, unknown>;
    return JSON.stringify({ codex, ...parsed });
  } catch {
    return userRoutes;
  }
}

/** A port the OS says is free now (bound to 0 and released); the proxy binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An exclusive lock file; a lock older than the start-up timeout is from a crashed start and is taken over. */
async function lock(file: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => fs.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > START_TIMEOUT_MS) await fs.rm(file, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function logTail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-3).join(' | ').slice(-600);
}
