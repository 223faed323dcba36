import { resolveStorageTarget } from '@tapes/storage';
import type { ProxyConfig } from './proxy-config';

/**
 * The one line a user needs at start-up: where the proxy listens, where turns are stored, and the
 * environment that points each agent at it.
 */
export function startupLine(config: ProxyConfig, port: number): string {
  const host = config.listen.host === '0.0.0.0' || config.listen.host === '::' ? '127.0.0.1' : config.listen.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const target = resolveStorageTarget(config.databaseUrl, config.dataDir);
  const storage = target.backend === 'sqlite' ? `SQLite ${target.file}` : `PostgreSQL ${withoutPassword(target.url)}`;
  return (
    `tapes proxy listening on ${base} · storing turns in ${storage} (spool ${config.dataDir}/spool) · ` +
    `point agents at it: ANTHROPIC_BASE_URL=${base} OPENAI_BASE_URL=${base}/v1 OLLAMA_HOST=${base} · ` +
    `captured turns: ${base}/_tapes/v1/heads`
  );
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
