/**
 * Headers whose values are credentials. Their values never reach storage, logs or ingest: capture
 * sites redact them before a turn leaves the process, and ingest redacts again on arrival.
 */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'openai-api-key',
  'anthropic-api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
  'x-amz-security-token',
  'chatgpt-account-id',
]);

/** Anything that looks like a credential by name (`x-foo-token`, `x-secret`, `x-auth-key`…). */
const SECRET_NAME = /(?:^|[-_])(?:token|secret|password|passwd|api[-_]?key|auth|session)(?:$|[-_])/i;

export const REDACTED = '[redacted]';

export type HeaderRecord = Record<string, string | string[]>;

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || SECRET_NAME.test(lower);
}

/**
 * A copy of `headers` with lower-cased names, credential values replaced by `[redacted]`
 * (multi-value headers keep their count), and HTTP/2 pseudo-headers kept as they are.
 */
export function redactHeaders(headers: Record<string, string | string[] | number | undefined> | undefined | null): HeaderRecord {
  const out: HeaderRecord = {};
  if (!headers) return out;
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const values = Array.isArray(value) ? value.map(String) : String(value);
    if (isSecretHeader(name)) out[name] = Array.isArray(values) ? values.map(() => REDACTED) : REDACTED;
    else out[name] = values;
  }
  return out;
}

/** Query parameters that carry credentials in some APIs (`?key=`, `?api_key=`, signed URLs). */
const SECRET_PARAM = /^(?:key|api[-_]?key|access[-_]?token|token|secret|password|sig|signature|x-amz-signature|x-goog-signature)$/i;

/** The path with credential-looking query values replaced, so they never reach storage or logs. */
export function redactQuery(pathWithQuery: string): string {
  const queryAt = pathWithQuery.indexOf('?');
  if (queryAt === -1) return pathWithQuery;
  const query = pathWithQuery
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // an undecodable name is compared as it is
      }
      return eq !== -1 && SECRET_PARAM.test(decoded) ? `${name}=%5Bredacted%5D` : pair;
    })
    .join('&');
  return `${pathWithQuery.slice(0, queryAt)}?${query}`;
}
