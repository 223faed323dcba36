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
export function joinUpstreamPath(base: UpstreamBase, request: string): string {
  // Resolved here too, whatever the caller did: the joined path can never climb above the base (#13).
  const pathWithQuery = resolveDotSegments(request);
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

/** A `.` or `..` segment, also percent-encoded (`%2e`, `.%2E`, `%2e%2e`): what an upstream would resolve. */
const DOT = /^(?:\.|%2e)$/i;
const DOT_DOT = /^(?:\.|%2e){2}$/i;
/** Any segment starting with a dot, plain or encoded: only such paths need resolving. */
const MAYBE_DOTS = /\/(?:\.|%2e)/i;

/**
 * The request path with its dot-segments resolved (RFC 3986 §5.2.4 remove_dot_segments), `%2e`
 * counted as `.`, before it is appended to an upstream base (#13): `/agents/x/../../admin` must
 * not reach `https://gw.example/tenant/v1` as `/tenant/v1/agents/x/../../admin`, which the
 * upstream (or anything in front of it) would resolve to `/admin`, above the base. `..` at the
 * root stays at the root. Paths without dot-segments (every real client's) are returned unchanged,
 * byte for byte; the query is never touched.
 */
export function resolveDotSegments(pathWithQuery: string): string {
  const queryAt = pathWithQuery.indexOf('?');
  const path = queryAt === -1 ? pathWithQuery : pathWithQuery.slice(0, queryAt);
  if (!path.startsWith('/') || !MAYBE_DOTS.test(path)) return pathWithQuery;
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (DOT_DOT.test(segment)) out.pop();
    else if (!DOT.test(segment)) return void out.push(segment);
    // `/a/b/..` and `/a/.` name the directory: `/a/`, `/a/`.
    if (last) out.push('');
  });
  return `/${out.join('/')}${queryAt === -1 ? '' : pathWithQuery.slice(queryAt)}`;
}
