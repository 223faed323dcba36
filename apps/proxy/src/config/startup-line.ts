import { PROVIDER_SPECS } from '@tapes/capture';
import { isLoopbackBind } from '@tapes/nest-kit';
import { resolveStorageTarget } from '@tapes/storage';
import { DEFAULT_UPSTREAMS, type ProxyConfig } from './proxy-config';

/**
 * What a user needs the moment the proxy is up, first and in plain words: where it listens (the
 * address it really bound — `0.0.0.0` is said as such, never shown as 127.0.0.1), where turns
 * are stored, the upstreams in use (an override is visible), the environment that points each
 * agent at it, and who may read what it captured (#13).
 */
export function startupLines(config: ProxyConfig, port: number): { lines: string[]; fields: Record<string, unknown> } {
  const bound = config.listen.host;
  const wildcard = bound === '0.0.0.0' || bound === '::';
  // A wildcard bind is reachable at 127.0.0.1 from this machine; agents here use that.
  const host = wildcard ? '127.0.0.1' : bound;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const target = resolveStorageTarget(config.databaseUrl, config.dataDir);
  const storage = target.backend === 'sqlite' ? `SQLite ${target.file}` : `PostgreSQL ${withoutPassword(target.url)}`;
  const upstreams = PROVIDER_SPECS.map(({ name }) => `${name} ${config.upstreams[name]}${config.upstreams[name] === DEFAULT_UPSTREAMS[name] ? '' : ' (set)'}`);
  const agentEnv = PROVIDER_SPECS.flatMap((s) => Object.entries(s.agentEnv(base)).map(([k, v]) => `${k}=${v}`));
  const exposed = !isLoopbackBind(bound);
  const boundAt = `${bound.includes(':') ? `[${bound}]` : bound}:${port}`;
  const listening = !exposed ? base : wildcard ? `${boundAt} (every interface) — reachable from other machines` : `http://${boundAt} — reachable from other machines`;
  const { readToken, allowedHosts } = config.access;
  const hosts = `Host must be a loopback name${allowedHosts.length ? ` or one of TAPES_ALLOWED_HOSTS (${allowedHosts.join(', ')})` : ''}`;
  const reads = readToken
    ? `  reads (/_tapes/*): protected — token required (TAPES_READ_TOKEN; browsers: ${base}/_tapes/?token=<token> once); ${hosts}`
    : `  reads (/_tapes/*): no token — anyone on this machine may read (${hosts}); set TAPES_READ_TOKEN to require one`;
  return {
    lines: [
      `tapes proxy listening on ${listening}`,
      `  storing turns in ${storage} (journal ${config.dataDir}/journal)`,
      `  upstreams: ${upstreams.join(' · ')}`,
      `  point agents at it: ${agentEnv.join('  ')}`,
      `  see what was captured: ${base}/_tapes/ (the viewer) · read API ${base}/_tapes/v1/`,
      reads,
    ],
    fields: { listen: boundAt, base, storage, upstreams: config.upstreams, readsProtected: Boolean(readToken), allowedHosts },
  };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
