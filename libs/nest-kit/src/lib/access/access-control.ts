import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TapesError } from '../errors';
import { hostAllowed } from './hosts';

/**
 * What a route is, for access control (#13):
 * - `public`: no check at all (ingest's probes and scrapes, which come from kubelets and Prometheus
 *   under whatever Host they use);
 * - `probe`: the Host check only (the proxy's health and metrics: counts, never content);
 * - `read`: the Host check, then the read token when one is set — everything that shows captured
 *   content (the read API, the viewer's pages, events);
 * - `capture`: the capture token when one is set, no Host check (the sidecar posts under the
 *   Service's name); ingest's `POST /v1/ingest[/batch]`.
 */
export type AccessClass = 'public' | 'probe' | 'read' | 'capture';

export interface AccessPolicy {
  classify(method: string, path: string): AccessClass;
  /** Hosts reads also answer to, beyond the loopback names (`*`: any). */
  allowedHosts: readonly string[];
  /** When set, `read` routes need it: `Authorization: Bearer`, or the {@link READ_COOKIE} cookie. */
  readToken?: string | undefined;
  /** When set, `capture` routes need it as `Authorization: Bearer`. */
  captureToken?: string | undefined;
  /** The path the read cookie is scoped to (`/_tapes` on the proxy: never sent to an upstream). */
  cookiePath: string;
  /** The settings to name in refusals, so the answer says what to change. */
  settings: { allowedHosts: string; readToken: string; captureToken?: string };
}

/** The cookie a page login sets (`?token=` → HttpOnly, SameSite=Strict). */
export const READ_COOKIE = 'tapes_read';
/** The query parameter of a page login: `GET /_tapes/?token=<t>`. */
export const LOGIN_PARAM = 'token';

/** Which token a request proved, once {@link installAccessControl}'s hook let it through. */
export type Credential = 'capture_token' | 'read_token' | 'none';
const CREDENTIAL = Symbol('tapes.credential');

/** The credential the request presented (`none` when the route needs none or none is configured). */
export function credentialOf(request: FastifyRequest | IncomingMessage): Credential {
  const raw = ('raw' in request ? request.raw : request) as IncomingMessage & { [CREDENTIAL]?: Credential };
  return raw[CREDENTIAL] ?? 'none';
}

/**
 * Installs access control as a Fastify `onRequest` hook: it runs before routing's body parsing,
 * so a request refused here never has its body read (a 60 MB unauthenticated post is answered 401
 * from its headers and the connection closed), and it covers every route Fastify serves — Nest
 * controllers, the viewer's pages, and 404s alike. Refusals are `{error:{code,message}}` JSON:
 * 403 `forbidden` for a Host reads do not answer to, 401 `unauthorized` for a missing or wrong token.
 *
 * The page login: `GET <read route>?token=<t>` with the right token answers 303 to the same URL
 * without `token`, setting the {@link READ_COOKIE} cookie (HttpOnly, SameSite=Strict, scoped to
 * `cookiePath`), so the token leaves the address bar and history, and the page's own requests
 * carry the cookie. Tokens are compared in constant time (SHA-256 digests, so neither content nor
 * length leaks through timing).
 */
export function installAccessControl(fastify: FastifyInstance, policy: AccessPolicy): void {
  const readDigest = policy.readToken === undefined ? undefined : digest(policy.readToken);
  const captureDigest = policy.captureToken === undefined ? undefined : digest(policy.captureToken);
  fastify.addHook('onRequest', async (req, reply) => {
    const url = req.raw.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const kind = policy.classify(req.method, path);
    if (kind === 'public') return;
    const raw = req.raw as IncomingMessage & { [CREDENTIAL]?: Credential };

    if (kind === 'capture') {
      if (captureDigest === undefined) return;
      if (matches(bearer(req), captureDigest)) {
        raw[CREDENTIAL] = 'capture_token';
        return;
      }
      return refuse(req, reply, unauthorized(bearer(req) === undefined ? `missing Authorization: Bearer <token> (${policy.settings.captureToken ?? 'the capture token'})` : 'the bearer token is not valid'));
    }

    if (!hostAllowed(req.headers.host, policy.allowedHosts)) {
      const host = req.headers.host === undefined ? 'no Host header' : `Host ${JSON.stringify(req.headers.host)}`;
      return refuse(
        req,
        reply,
        new TapesError('forbidden', `${host} is not allowed to read tapes: reads answer localhost, 127.0.0.1 and [::1], and the hosts listed in ${policy.settings.allowedHosts}`),
      );
    }
    if (kind === 'probe' || readDigest === undefined) return;

    const login = loginToken(url, queryAt);
    if (login !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!matches(login, readDigest)) return refuse(req, reply, unauthorized(`the ?${LOGIN_PARAM}= given is not the read token (${policy.settings.readToken})`));
      const secure = req.protocol === 'https' ? '; Secure' : '';
      void reply
        .code(303)
        .header('location', withoutLogin(path, url.slice(queryAt + 1)))
        .header('set-cookie', `${READ_COOKIE}=${encodeURIComponent(login)}; Path=${policy.cookiePath}; HttpOnly; SameSite=Strict${secure}`)
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send();
      return reply;
    }
    if (matches(bearer(req), readDigest) || matches(cookie(req.headers.cookie, READ_COOKIE), readDigest)) {
      raw[CREDENTIAL] = 'read_token';
      return;
    }
    const given = bearer(req) !== undefined || cookie(req.headers.cookie, READ_COOKIE) !== undefined;
    return refuse(
      req,
      reply,
      unauthorized(given ? 'the read token is not valid' : `reading needs the read token (${policy.settings.readToken}): Authorization: Bearer <token>, or open a page once with ?${LOGIN_PARAM}=<token>`),
    );
  });
}

function unauthorized(message: string): TapesError {
  return new TapesError('unauthorized', message);
}

/**
 * Answers a refusal. A request that came with a body is answered from its headers and the
 * connection closed after the answer: the body is never read, buffered or parsed.
 */
function refuse(req: FastifyRequest, reply: FastifyReply, error: TapesError): FastifyReply {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  void reply.code(error.status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store');
  if (error.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer realm="tapes"');
  if (hasBody) void reply.header('connection', 'close');
  void reply.send(JSON.stringify(error.body()));
  return reply;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function matches(given: string | undefined, expected: Buffer): boolean {
  return given !== undefined && timingSafeEqual(digest(given), expected);
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header.trim())?.[1] ?? '';
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

function loginToken(url: string, queryAt: number): string | undefined {
  if (queryAt === -1) return undefined;
  const value = new URLSearchParams(url.slice(queryAt + 1)).get(LOGIN_PARAM);
  return value ?? undefined;
}

/**
 * The same URL without the login parameter (every other parameter kept in order). A path that
 * starts with `//` is collapsed to one slash: the Location must stay on this server, never become
 * a protocol-relative address of another.
 */
function withoutLogin(path: string, query: string): string {
  const rest = query
    .split('&')
    .filter((pair) => pair !== '' && decodeName(pair.split('=')[0] ?? '') !== LOGIN_PARAM)
    .join('&');
  const safePath = `/${path.replace(/^[/\\]+/, '')}`;
  return rest ? `${safePath}?${rest}` : safePath;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
