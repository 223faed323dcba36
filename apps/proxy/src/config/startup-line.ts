import { resolveStorageTarget } from '@tapes/storage';
import { PROVIDERS } from '@tapes/llm';
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
  const upstreams = PROVIDERS.map((p) => `${p} ${config.upstreams[p]}${config.upstreams[p] === DEFAULT_UPSTREAMS[p] ? '' : ' (set)'}`);
  const exposure = wildcard || !LOOPBACK.test(bound) ? ` — bound to ${bound}: reachable from other machines` : '';
  return {
    lines: [
      `tapes proxy listening on ${base}${exposure}`,
      `  storing turns in ${storage} (spool ${config.dataDir}/spool)`,
      `  upstreams: ${upstreams.join(' · ')}`,
      `  point agents at it: ANTHROPIC_BASE_URL=${base}  OPENAI_BASE_URL=${base}/v1  OLLAMA_HOST=${base}`,
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
