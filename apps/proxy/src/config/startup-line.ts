import { PROVIDER_SPECS } from '@tapes/capture';
import { resolveStorageTarget } from '@tapes/storage';
import { DEFAULT_UPSTREAMS, type ProxyConfig } from './proxy-config';

/** Hosts that only this machine can reach. */
const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/**
 * What a user needs the moment the proxy is up, first and in plain words: where it listens (the
 * address it really bound), where turns are stored, the upstreams in use (an override is
 * visible), and the environment that points each agent at it.
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
  const exposure = wildcard || !LOOPBACK.test(bound) ? ` — bound to ${bound}: reachable from other machines` : '';
  return {
    lines: [
      `tapes proxy listening on ${base}${exposure}`,
      `  storing turns in ${storage} (journal ${config.dataDir}/journal)`,
      `  upstreams: ${upstreams.join(' · ')}`,
      `  point agents at it: ${agentEnv.join('  ')}`,
      `  captured turns: ${base}/_tapes/v1/heads`,
    ],
    fields: { listen: `${bound}:${port}`, base, storage, upstreams: config.upstreams },
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
