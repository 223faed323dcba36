import type { AccessPolicy } from '@tapes/nest-kit';
import type { IngestConfig } from '../config/ingest-config';

/** Probes and scrapes: kubelets and Prometheus call them under any Host and without a token. */
const PUBLIC = /^\/(?:ping|health(?:\/[a-z]+)?|metrics)\/?$/;
/** Posting turns: the sidecar's (and scripts') route, token-checked but not Host-checked (it posts to a Service name). */
const CAPTURE = /^\/v1\/ingest(?:\/batch)?\/?$/;

/**
 * Who may use ingest (#13; docs/security.md). One token, INGEST_TOKEN, guards both directions
 * when it is set: posting turns (`POST /v1/ingest[/batch]`, bearer) and reading them back (the
 * read API under /v1, the viewer under /ui/, bearer or the page-login cookie). Reads also answer
 * only a loopback Host or one in INGEST_ALLOWED_HOSTS (DNS rebinding). The checks run before the
 * body is read (installAccessControl's onRequest hook).
 */
export function ingestAccessPolicy(config: Pick<IngestConfig, 'access'>): AccessPolicy {
  return {
    classify: (method, path) => (PUBLIC.test(path) && (method === 'GET' || method === 'HEAD') ? 'public' : method === 'POST' && CAPTURE.test(path) ? 'capture' : 'read'),
    allowedHosts: config.access.allowedHosts,
    readToken: config.access.token,
    captureToken: config.access.token,
    cookiePath: '/',
    settings: { allowedHosts: 'INGEST_ALLOWED_HOSTS', readToken: 'INGEST_TOKEN', captureToken: 'INGEST_TOKEN' },
  };
}
