import { promises as fs } from 'node:fs';
import path from 'node:path';
import { migrationHistory, resolveStorageTarget } from '@tapes/storage';
import { AGENTS } from '../agents';
import { CliError } from '../exit-codes';
import { describeStore, openStore } from '../open-store';
import { findRunningProxy } from '../proxy/proxy-daemon';
import { proxyHealth } from '../proxy/proxy-health';
import type { ProxyState } from '../proxy/proxy-state';
import type { CliSettings } from '../settings';
import { HttpSource, readApiBase } from '../source/http-source';
import type { Check } from './check';

/** The data dir exists (or can be made), is ours, and is not readable by others: it holds every captured prompt. */
export async function checkDataDir(settings: CliSettings): Promise<Check> {
  const dir = settings.dataDir;
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) {
    const parent = await firstExisting(path.dirname(dir));
    const writable = await fs.access(parent, fs.constants.W_OK).then(() => true, () => false);
    return writable
      ? { name: 'data dir', status: 'info', detail: `${dir} does not exist yet (tapes start creates it)` }
      : { name: 'data dir', status: 'fail', detail: `${dir} does not exist and ${parent} is not writable`, fix: `create it: mkdir -m 700 -p ${dir}, or give --data-dir` };
  }
  if (!stat.isDirectory()) return { name: 'data dir', status: 'fail', detail: `${dir} is not a directory`, fix: 'give --data-dir a directory' };
  const writable = await fs.access(dir, fs.constants.W_OK | fs.constants.R_OK).then(() => true, () => false);
  if (!writable) return { name: 'data dir', status: 'fail', detail: `${dir} is not readable and writable by this user`, fix: `chown it to yourself, or give another --data-dir` };
  const mode = stat.mode & 0o777;
  if (mode & 0o077) {
    return { name: 'data dir', status: 'warn', detail: `${dir} is readable by others (mode ${mode.toString(8)}); it holds every captured prompt and response`, fix: `chmod 700 ${dir}` };
  }
  return { name: 'data dir', status: 'ok', detail: `${dir} (mode ${mode.toString(8)})` };
}

/** The store answers, and its migrations are all applied (none failed, none edited). */
export async function checkStore(settings: CliSettings): Promise<Check[]> {
  let target;
  try {
    target = resolveStorageTarget(settings.databaseUrl, settings.dataDir);
  } catch (err) {
    return [{ name: 'store', status: 'fail', detail: (err as Error).message, fix: 'give --database a postgresql:// URL or a SQLite file path' }];
  }
  const where = describeStore(settings);
  if (target.backend === 'sqlite' && !(await fs.stat(target.file).catch(() => undefined))) {
    return [{ name: 'store', status: 'info', detail: `${where} does not exist yet (created when the first turn is stored)` }];
  }
  const checks: Check[] = [];
  try {
    const store = await openStore(settings, { migrate: false });
    try {
      const counts = await store.counts();
      checks.push({ name: 'store', status: 'ok', detail: `${where}: ${counts.turns} turns, ${counts.nodes} nodes` });
    } finally {
      await store.close();
    }
  } catch (err) {
    const message = err instanceof CliError ? err.message : (err as Error).message;
    return [{ name: 'store', status: 'fail', detail: message, fix: target.backend === 'postgresql' ? 'is PostgreSQL running and the URL (user, password, database) right?' : `check ${target.file} and its directory's permissions` }];
  }
  try {
    const history = await migrationHistory(target);
    const deploy = `node tools/prisma/migrate.mjs deploy --db '${target.backend === 'sqlite' ? target.file : '<your DATABASE_URL>'}' (the proxy and ingest also apply them at start-up)`;
    if (history.failed.length) checks.push({ name: 'migrations', status: 'fail', detail: `failed: ${history.failed.join(', ')}`, fix: 'see docs/deploy.md on migrations; resolve the failed one by hand, then deploy' });
    else if (history.edited.length) checks.push({ name: 'migrations', status: 'fail', detail: `applied, then edited: ${history.edited.join(', ')}`, fix: 'restore the migration files from git: an applied migration never changes' });
    else if (history.unapplied.length) checks.push({ name: 'migrations', status: 'fail', detail: `${history.unapplied.length} pending: ${history.unapplied.join(', ')}`, fix: deploy });
    else checks.push({ name: 'migrations', status: 'ok', detail: `${history.applied.length} applied, none pending` });
    if (history.unknown.length) checks.push({ name: 'migrations', status: 'warn', detail: `applied by a newer tapes: ${history.unknown.join(', ')}`, fix: 'update this checkout (git pull) so the CLI knows the schema' });
  } catch (err) {
    checks.push({ name: 'migrations', status: 'fail', detail: `could not read the migration history: ${(err as Error).message}` });
  }
  return checks;
}

/** The proxy `tapes start` runs for this data dir, when there is one, and whether it is ready. */
export async function checkProxy(settings: CliSettings): Promise<{ check: Check; proxy?: ProxyState }> {
  let proxy: ProxyState | undefined;
  try {
    proxy = await findRunningProxy(settings.dataDir);
  } catch (err) {
    return { check: { name: 'proxy', status: 'fail', detail: (err as Error).message, fix: (err as CliError).hint ?? 'restart it' } };
  }
  if (!proxy) return { check: { name: 'proxy', status: 'info', detail: 'none running for this data dir (tapes start starts one)' } };
  const ready = await proxyHealth(proxy.url, 10_000);
  if (!ready.ok) return { proxy, check: { name: 'proxy', status: 'fail', detail: `pid ${proxy.pid} at ${proxy.url} is up but not ready: ${ready.reason}`, fix: `see ${proxy.log}` } };
  const storage = (ready.body as { info?: { capture?: { storage?: string } } }).info?.capture?.storage;
  if (storage && storage !== 'up') return { proxy, check: { name: 'proxy', status: 'warn', detail: `pid ${proxy.pid} at ${proxy.url}: storage ${storage}, turns wait in its journal`, fix: 'check the store (above)' } };
  return { proxy, check: { name: 'proxy', status: 'ok', detail: `pid ${proxy.pid} at ${proxy.url}, ready (viewer ${proxy.url}/_tapes/, log ${proxy.log})` } };
}

/** The base-URL variables an agent started in this shell reads. */
const AGENT_ENV = ['ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL', 'GOOGLE_GEMINI_BASE_URL', 'OLLAMA_HOST'] as const;

/**
 * Where an agent started in this shell (without tapes start) sends its turns: through a tapes
 * proxy (captured), elsewhere (not captured), or to an address where nothing answers (broken).
 */
export async function checkAgentEnv(env: NodeJS.ProcessEnv, proxy: ProxyState | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  for (const name of AGENT_ENV) {
    const value = env[name];
    if (!value) continue;
    const url = name === 'OLLAMA_HOST' && !/^https?:\/\//.test(value) ? `http://${value}` : value;
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      checks.push({ name: `env ${name}`, status: 'fail', detail: `${value} is not a URL`, fix: `unset ${name} or fix it` });
      continue;
    }
    const health = await proxyHealth(origin, 3_000, '/_tapes/health/live');
    if (health.ok) {
      const ours = proxy && new URL(proxy.url).origin === origin;
      checks.push({ name: `env ${name}`, status: 'ok', detail: `${value}: a tapes proxy${ours ? ' (this data dir’s)' : ''}; agents started here are captured` });
    } else if (health.kind === 'absent' && /^(127\.|localhost$|\[::1\]$)/.test(new URL(url).hostname)) {
      checks.push({ name: `env ${name}`, status: 'fail', detail: `${value}: nothing answers there, so agents started here will fail to connect`, fix: `unset ${name}, or run the agent with tapes start` });
    } else {
      checks.push({ name: `env ${name}`, status: 'info', detail: `${value}: not a tapes proxy; agents started here are not captured` });
    }
  }
  if (checks.length === 0) checks.push({ name: 'agent env', status: 'info', detail: `none of ${AGENT_ENV.join(', ')} is set: agents started here talk to their providers directly (use tapes start <agent>)` });
  return checks;
}

/** Which agents `tapes start` could launch from this PATH. */
export async function checkAgents(env: NodeJS.ProcessEnv): Promise<Check> {
  const found: string[] = [];
  for (const agent of AGENTS) if (await onPath(agent.command, env['PATH'] ?? '')) found.push(agent.id);
  return found.length
    ? { name: 'agents', status: 'ok', detail: `on PATH: ${found.join(', ')}` }
    : { name: 'agents', status: 'info', detail: `none of ${AGENTS.map((a) => a.command).join(', ')} is on PATH` };
}

/** With --url: the read API answers, and accepts our token. */
export async function checkRemote(settings: CliSettings): Promise<Check> {
  const url = settings.url as string;
  try {
    const source = new HttpSource(readApiBase(url), settings.token);
    await source.sessions({ limit: 1 });
    return { name: 'read API', status: 'ok', detail: `${readApiBase(url)} answers${settings.token ? ' (with TAPES_READ_TOKEN)' : ''}` };
  } catch (err) {
    return { name: 'read API', status: 'fail', detail: (err as Error).message, fix: err instanceof CliError && err.hint ? err.hint : 'check --url / TAPES_URL' };
  }
}

async function onPath(command: string, searchPath: string): Promise<boolean> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    if (await fs.access(path.join(dir, command), fs.constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

async function firstExisting(dir: string): Promise<string> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (await fs.stat(d).then(() => true, () => false)) return d;
    if (d === path.dirname(d)) return d;
  }
}
