import { findSecrets, holdsSecret } from './secret-shapes';

/**
 * The one redaction policy (#13). Capture sites apply it before a turn leaves the process, ingest
 * again on arrival, and every app to any path or URL it logs ({@link redactUrl}). A value is
 * redacted when its NAME says it is a credential ({@link NAME_RULES}) or its VALUE has the shape of
 * one (`secret-shapes.ts`), whatever the name.
 *
 * A redacted value becomes `[redacted:<n>]`, n its length in characters (code points), so a user
 * can tell two keys apart without seeing either. Redaction is idempotent: a marker is never redacted
 * again (ingest re-redacts turns a site already redacted, and must not turn `[redacted:108]` into
 * `[redacted:13]`).
 */

/**
 * The marker written before #13, without a length. Still recognised as already redacted (rows and
 * journals written by older sites), never written any more: see {@link redactedMarker}.
 */
export const REDACTED = '[redacted]';

const MARKER = /^\[redacted(?::\d+)?\]$/;

/** `[redacted:<n>]`, n the length of `value` in characters (code points, not UTF-16 units). */
export function redactedMarker(value: string): string {
  return `[redacted:${Array.from(value).length}]`;
}

/** True for `[redacted:<n>]` and the older {@link REDACTED}. */
export function isRedacted(value: string): boolean {
  return MARKER.test(value);
}

/**
 * Which names carry credentials, for headers and query parameters alike, in order: the first rule
 * that matches decides. A name is compared after normalisation — camelCase split, lower-cased, `_`
 * and `.` read as `-` — so `X-Api-Key`, `api_key` and `apiKey` are `x-api-key`, `api-key` and
 * `api-key`. A `segment` rule matches a whole segment between dashes, never part of one:
 * `keep-alive` is not `key`, `:authority` is not `auth`, and `max_tokens` is not `token`
 * (the rate-limit headers `…-tokens-remaining` must stay readable).
 */
export const NAME_RULES: readonly NameRule[] = [
  {
    verdict: 'keep',
    match: 'exact',
    why: 'identifiers, not secrets: sessions cannot be rebuilt without them (#13)',
    names: [
      'x-claude-code-session-id',
      'x-claude-code-agent-id',
      'session-id',
      'thread-id',
      'x-request-id',
      'request-id',
      'anthropic-version',
      'anthropic-beta',
      'openai-organization',
      'openai-project',
      'x-tapes-harness-session-id',
      'x-tapes-session-name',
      'x-tapes-parent-harness-session-id',
      // Sent by the Stainless SDKs on retries; it names a request, it grants nothing.
      'idempotency-key',
      'x-idempotency-key',
      // Pagination cursors (Google APIs' pageToken).
      'page-token',
      'next-page-token',
    ],
  },
  {
    verdict: 'redact',
    match: 'exact',
    why: 'credentials by name',
    names: [
      'authorization',
      'proxy-authorization',
      'cookie',
      'set-cookie',
      'x-api-key',
      'api-key',
      'x-goog-api-key',
      'ocp-apim-subscription-key', // Azure API Management
      'anthropic-api-key',
      'openai-api-key',
      'x-amz-security-token',
      'chatgpt-account-id',
    ],
  },
  {
    verdict: 'redact',
    match: 'exact',
    only: 'param',
    why: 'credentials too generic a word for a header: the OAuth code (RFC 6749 §4.1.2), Azure SAS sig',
    names: ['code', 'sig', 'pass', 'pwd'],
  },
  {
    verdict: 'redact',
    match: 'segment',
    why: 'names that say credential (x-anthropic-key, x-access-key, client_secret, x-jwt, accessToken…)',
    names: [
      'key',
      'token',
      'secret',
      'password',
      'passwd',
      'passphrase',
      'credential',
      'credentials',
      'signature',
      'jwt',
      'bearer',
      'auth',
      'authorization',
      'authentication',
      'cookie',
      // Compounds written as one word (`apikey`, or a lower-cased `accesstoken`).
      'apikey',
      'accesskey',
      'secretkey',
      'privatekey',
      'subscriptionkey',
      'accesstoken',
      'authtoken',
      'refreshtoken',
      'idtoken',
      'sessiontoken',
      'securitytoken',
      'clientsecret',
    ],
  },
];

export interface NameRule {
  readonly verdict: 'keep' | 'redact';
  /** `exact`: the whole normalised name; `segment`: any one of its dash-separated segments. */
  readonly match: 'exact' | 'segment';
  /** Limits the rule to query parameters; otherwise it holds for headers too. */
  readonly only?: 'param';
  readonly why: string;
  readonly names: readonly string[];
}

/** Header values that are URLs or paths: kept, with {@link redactUrl} applied. */
const URL_HEADERS = new Set([':path', 'referer', 'location', 'content-location']);

function normaliseName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[_.]/g, '-');
}

function nameVerdict(name: string, kind: 'header' | 'param'): 'keep' | 'redact' {
  const normal = normaliseName(name);
  const segments = normal.split('-');
  for (const rule of NAME_RULES) {
    if (rule.only && rule.only !== kind) continue;
    const hit = rule.match === 'exact' ? rule.names.includes(normal) : segments.some((s) => rule.names.includes(s));
    if (hit) return rule.verdict;
  }
  return 'keep';
}

/** True when a header of this name carries a credential, whatever its value ({@link NAME_RULES}). */
export function isSecretHeader(name: string): boolean {
  return nameVerdict(name, 'header') === 'redact';
}

/** True when a query parameter of this name carries a credential, whatever its value. */
export function isSecretParam(name: string): boolean {
  return nameVerdict(name, 'param') === 'redact';
}

export type HeaderRecord = Record<string, string | string[]>;

function redactHeaderValue(name: string, value: string, secretName: boolean): string {
  if (isRedacted(value)) return value;
  if (secretName) return redactedMarker(value);
  // A URL keeps its path and host: only the secret parts go, as in a logged URL.
  if (URL_HEADERS.has(name)) return redactUrl(value);
  return holdsSecret(value) ? redactedMarker(value) : value;
}

/**
 * A copy of `headers` with lower-cased names and every credential value replaced by
 * `[redacted:<n>]` — by name or by value shape, each value of a multi-value header on its own, so
 * the count is kept. HTTP/2 pseudo-headers are kept, `:path` (and the URL-valued `referer`,
 * `location`, `content-location`) with {@link redactUrl} applied.
 */
export function redactHeaders(headers: Record<string, string | string[] | number | undefined> | undefined | null): HeaderRecord {
  const out: HeaderRecord = {};
  if (!headers) return out;
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const secretName = isSecretHeader(rawName);
    out[name] = Array.isArray(value)
      ? value.map((v) => redactHeaderValue(name, String(v), secretName))
      : redactHeaderValue(name, String(value), secretName);
  }
  return out;
}

/** `[redacted:<n>]` as it is written inside a URL. */
function encodedMarker(value: string): string {
  return encodeURIComponent(redactedMarker(value));
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is judged as it is written
  }
}

/** Replaces every secret-shaped span of raw URL text, leaving the rest byte-identical. */
function scrubUrlText(text: string): string {
  const spans = findSecrets(text);
  let out = '';
  let at = 0;
  for (const { start, end } of spans) {
    out += text.slice(at, start) + encodedMarker(text.slice(start, end));
    at = end;
  }
  return out + text.slice(at);
}

/**
 * `a=1&key=…` with credential values redacted by name or shape; pairs are split on `&` and never
 * re-encoded, so untouched pairs, their order and their encoding stay byte-identical. The length in
 * the marker is the length of the percent-decoded value (`+` is not read as a space).
 */
function redactPairs(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return holdsSecret(decoded(pair)) ? encodedMarker(decoded(pair)) : pair;
      const name = pair.slice(0, eq);
      const value = decoded(pair.slice(eq + 1));
      if (isRedacted(value)) return pair;
      if (holdsSecret(decoded(name))) return encodedMarker(decoded(pair));
      return isSecretParam(decoded(name)) || holdsSecret(value) ? `${name}=${encodedMarker(value)}` : pair;
    })
    .join('&');
}

/** A path with its query and fragment: secret-shaped path text and credential parameters redacted. */
function redactPathQuery(pathWithQuery: string): string {
  const hashAt = pathWithQuery.indexOf('#');
  const beforeHash = hashAt === -1 ? pathWithQuery : pathWithQuery.slice(0, hashAt);
  // A fragment may carry parameters too (OAuth implicit flow: `#access_token=…`).
  const fragment = hashAt === -1 ? '' : `#${redactPairs(pathWithQuery.slice(hashAt + 1))}`;
  const queryAt = beforeHash.indexOf('?');
  if (queryAt === -1) return scrubUrlText(beforeHash) + fragment;
  return `${scrubUrlText(beforeHash.slice(0, queryAt))}?${redactPairs(beforeHash.slice(queryAt + 1))}${fragment}`;
}

/**
 * The path with credential query values (by name or shape) and secret-shaped path text replaced by
 * `%5Bredacted%3A<n>%5D`; everything else is byte-identical. For a full URL use {@link redactUrl}.
 */
export function redactQuery(pathWithQuery: string): string {
  return redactPathQuery(pathWithQuery);
}

/** RFC 3986 appendix B, split at the authority: scheme `//` authority, then the rest. */
const URL_AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:)?\/\/([^/?#]*)/;

/**
 * Any URL or path as it may be stored or logged: scheme and host kept, the userinfo password
 * redacted (and a secret-shaped user name), the path, query and fragment as in
 * {@link redactQuery}. Every app applies it to every path or URL it logs (#13).
 */
export function redactUrl(url: string): string {
  const head = URL_AUTHORITY.exec(url);
  if (!head) return redactPathQuery(url);
  const [whole, scheme = '', authority = ''] = head;
  const at = authority.lastIndexOf('@');
  let safeAuthority = authority;
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    const password = colon === -1 ? undefined : userinfo.slice(colon + 1);
    const safeUser = holdsSecret(decoded(user)) ? encodedMarker(decoded(user)) : user;
    const safePassword = password === undefined || isRedacted(decoded(password)) ? password : encodedMarker(decoded(password));
    safeAuthority = `${safeUser}${safePassword === undefined ? '' : `:${safePassword}`}${authority.slice(at)}`;
  }
  return `${scheme}//${safeAuthority}${redactPathQuery(url.slice(whole.length))}`;
}
