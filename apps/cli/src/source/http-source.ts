import type { PageJson, SearchHitJson, SessionDetailJson, SessionJson, TurnDetailJson } from '@tapes/read-api';
import { CliError, EXIT } from '../exit-codes';
import type { SearchQuery, SessionsQuery, Source } from './source';

/**
 * A running proxy or ingest, over its read API. `baseUrl` is the API's root: the proxy mounts it at
 * `/_tapes/v1`, ingest at `/v1`; a URL with no path means a proxy (see {@link readApiBase}).
 * A token (TAPES_READ_TOKEN; for ingest, its INGEST_TOKEN) goes as `Authorization: Bearer`.
 */
export class HttpSource implements Source {
  readonly description: string;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.description = baseUrl;
  }

  sessions(query: SessionsQuery): Promise<PageJson<SessionJson>> {
    return this.get('sessions', query as Record<string, unknown>);
  }

  session(id: string): Promise<SessionDetailJson> {
    return this.get(`sessions/${encodeURIComponent(id)}`);
  }

  turn(id: string, options: { bodies?: boolean } = {}): Promise<TurnDetailJson> {
    return this.get(`turns/${encodeURIComponent(id)}`, options.bodies ? { bodies: 'true' } : {});
  }

  search(query: SearchQuery): Promise<PageJson<SearchHitJson>> {
    return this.get('search', query as unknown as Record<string, unknown>);
  }

  /** Nothing to release: each request is its own fetch. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** GET a route of the read API and parse its JSON; errors become exit codes with the server's own message. */
  async get<T>(route: string, query: Record<string, unknown> = {}): Promise<T> {
    const url = new URL(route, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      url.searchParams.set(key, value instanceof Date ? value.toISOString() : String(value));
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) } });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new CliError(EXIT.unavailable, `cannot reach ${this.baseUrl}: ${cause}`, { cause: err, hint: 'is the proxy running? `tapes doctor` checks' });
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    const message = errorMessage(text) ?? `${response.status} ${response.statusText}`;
    if (response.status === 404) throw new CliError(EXIT.notFound, message);
    if (response.status === 401 || response.status === 403) {
      throw new CliError(EXIT.unauthorized, `${this.baseUrl} refused the request: ${message}`, { hint: 'set TAPES_READ_TOKEN to the server’s token' });
    }
    if (response.status === 400) throw new CliError(EXIT.usage, message);
    if (response.status === 503 || response.status === 502 || response.status === 504) throw new CliError(EXIT.unavailable, `${this.baseUrl}: ${message}`);
    throw new CliError(EXIT.failure, `${this.baseUrl} answered ${response.status}: ${message}`);
  }
}

function errorMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The read API root for a `--url`: as given when it has a path (`…/_tapes/v1` on a proxy,
 * `…/v1` on ingest); the proxy's `/_tapes/v1` when it is a bare origin (`http://127.0.0.1:8080`),
 * since that is what `tapes start` and `nx serve proxy` run.
 */
export function readApiBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(EXIT.usage, `--url ${url} is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(EXIT.usage, `--url must be http(s), not ${parsed.protocol}`);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/_tapes/v1';
  return parsed.toString().replace(/\/$/, '');
}
