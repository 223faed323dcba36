import type { AccessPolicy } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';

/**
 * Who may use the proxy's own routes (#13; docs/security.md). Everything Fastify serves is under
 * the reserved prefix — exchanges never reach Fastify (proxy-server.ts) — and all of it answers
 * only a loopback Host or one in TAPES_ALLOWED_HOSTS. Health and metrics need no token (probes and
 * scrapers carry none, and they show counts, never content); everything else — the read API, the
 * viewer's pages, live events, unknown paths — needs TAPES_READ_TOKEN when it is set. The read
 * cookie is scoped to the prefix, so a browser never sends it to an upstream through the proxy.
 */
export function proxyAccessPolicy(config: Pick<ProxyConfig, 'access'>, internalPrefix: string): AccessPolicy {
  const probe = new RegExp(`^/${internalPrefix}/(?:health(?:/[a-z]+)?|metrics)/?$`);
  return {
    classify: (_method, path) => (probe.test(path) ? 'probe' : 'read'),
    allowedHosts: config.access.allowedHosts,
    readToken: config.access.readToken,
    cookiePath: `/${internalPrefix}`,
    settings: { allowedHosts: 'TAPES_ALLOWED_HOSTS', readToken: 'TAPES_READ_TOKEN' },
  };
}
