/** An upstream base URL split once, so joining a request path onto it is string work only. */
export interface UpstreamBase {
  /** `https://api.openai.com` — what undici dispatches to. */
  origin: string;
  /** The base's path segments (`['v1']` for `https://api.openai.com/v1`), possibly empty. */
  segments: readonly string[];
}

export function parseUpstreamBase(url: string): UpstreamBase {
  const parsed = new URL(url);
  return { origin: parsed.origin, segments: parsed.pathname.split('/').filter((s) => s !== '') };
}

/**
 * The path (with query) to request on the upstream: the base's path, then the request path — but
 * where the end of the base's path repeats at the start of the request path, once. A client set up
 * with `OPENAI_BASE_URL=http://proxy/v1` sends `/v1/chat/completions`; with the upstream
 * `https://api.openai.com/v1` (tapes Go's default, ref §5.2) a plain concatenation would ask for
 * `/v1/v1/chat/completions`. With the upstream `https://api.openai.com` nothing overlaps and the
 * request path is used as it is; `https://chatgpt.com/backend-api/codex` + `/responses` is
 * `/backend-api/codex/responses`.
 */
export function joinUpstreamPath(base: UpstreamBase, pathWithQuery: string): string {
  const queryAt = pathWithQuery.indexOf('?');
  const path = queryAt === -1 ? pathWithQuery : pathWithQuery.slice(0, queryAt);
  const query = queryAt === -1 ? '' : pathWithQuery.slice(queryAt);
  if (base.segments.length === 0) return (path.startsWith('/') ? path : `/${path}`) + query;
  const requestSegments = path.split('/');
  if (requestSegments[0] === '') requestSegments.shift();
  const overlap = longestOverlap(base.segments, requestSegments);
  const rest = requestSegments.slice(overlap).join('/');
  const joined = `/${base.segments.join('/')}${rest === '' && overlap === requestSegments.length ? '' : `/${rest}`}`;
  return joined + query;
}

/** The largest k such that the last k base segments equal the first k request segments. */
function longestOverlap(base: readonly string[], request: readonly string[]): number {
  for (let k = Math.min(base.length, request.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = base[base.length - k + i] === request[i];
    if (same) return k;
  }
  return 0;
}
