import { parseRetryAfter } from '@tapes/delivery';
import { Pool } from 'undici';

export interface IngestClientOptions {
  /** Base URL; `/v1/ingest` and `/ping` are appended to its path. */
  readonly url: string;
  readonly token?: string | undefined;
  readonly connectTimeoutMs: number;
  /** Whole request: connect, send, headers and body of the answer. */
  readonly timeoutMs: number;
  readonly connections: number;
}

/** Why a POST is worth retrying. */
export type RetryCause = 'unavailable' | 'network_error' | 'timeout' | 'aborted';

/** One POST's result, classified by the ingest contract (design §6). */
export type IngestPostResult =
  | { readonly verdict: 'delivered'; readonly status: number; readonly duplicate: boolean; readonly outcome?: string }
  | { readonly verdict: 'reject'; readonly status: number; readonly reason: 'ingest_reject' | 'ingest_auth' | 'request_id_conflict'; readonly detail: string }
  | { readonly verdict: 'retry'; readonly cause: RetryCause; readonly status?: number; readonly retryAfterMs?: number; readonly detail: string };

/** The longest error body kept for a log line. */
const DETAIL_LIMIT = 512;

/**
 * Posts raw turns to tapes ingest over a keep-alive connection pool (undici), with a connect
 * timeout and an end-to-end timeout per request. It classifies, it does not retry:
 * - 2xx → delivered (a duplicate `request_id` is a 202 too: already stored counts as delivered);
 * - 401/403 → refused credentials (`ingest_auth`); 409 → ingest holds other content under this
 *   request id (`request_id_conflict`, #13: this content is refused, the stored turn stays); any
 *   other 4xx → refused turn (`ingest_reject`). None is retried: the same bytes would be refused again;
 * - 5xx, network errors, timeouts → retry, with the `Retry-After` a 503 carries.
 */
export class IngestClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: IngestClientOptions) {
    const url = new URL(options.url);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.headers = {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
  }

  async post(payload: Buffer, signal?: AbortSignal): Promise<IngestPostResult> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.pool.request({
        path: `${this.basePath}/v1/ingest`,
        method: 'POST',
        headers: this.headers,
        body: payload,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      const text = await response.body.text();
      return classify(response.statusCode, text, response.headers['retry-after']);
    } catch (err) {
      if (signal?.aborted) return { verdict: 'retry', cause: 'aborted', detail: 'delivery aborted (shutting down)' };
      if (deadline.aborted || isTimeout(err)) return { verdict: 'retry', cause: 'timeout', detail: `no answer within ${this.options.timeoutMs} ms` };
      return { verdict: 'retry', cause: 'network_error', detail: describe(err) };
    }
  }

  /** Resolves when ingest answers `GET /ping` with 200 within `timeoutMs`; throws otherwise. */
  async ping(timeoutMs: number): Promise<void> {
    const response = await this.pool.request({ path: `${this.basePath}/ping`, method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`ingest /ping answered ${response.statusCode}`);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function classify(status: number, body: string, retryAfter: string | string[] | undefined): IngestPostResult {
  if (status >= 200 && status < 300) return { verdict: 'delivered', status, ...accepted(body) };
  const detail = `ingest answered ${status}: ${errorMessage(body)}`;
  if (status === 401 || status === 403) return { verdict: 'reject', status, reason: 'ingest_auth', detail };
  if (status === 409) return { verdict: 'reject', status, reason: 'request_id_conflict', detail };
  if (status >= 400 && status < 500) return { verdict: 'reject', status, reason: 'ingest_reject', detail };
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return { verdict: 'retry', cause: 'unavailable', status, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // 1xx/3xx: not the ingest contract at all (a misconfigured URL answering a redirect).
  return { verdict: 'reject', status, reason: 'ingest_reject', detail };
}

/** What ingest's 202 says of the turn: already stored before, and how it was reduced. */
function accepted(body: string): { duplicate: boolean; outcome?: string } {
  try {
    const parsed = JSON.parse(body) as { duplicate?: unknown; outcome?: unknown };
    return { duplicate: parsed.duplicate === true, ...(typeof parsed.outcome === 'string' ? { outcome: parsed.outcome } : {}) };
  } catch {
    return { duplicate: false };
  }
}

/** The `{error:{code,message}}` of an ingest error body, or the start of whatever it was. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error.message === 'string') return `${String(parsed.error.code ?? 'error')}: ${parsed.error.message}`.slice(0, DETAIL_LIMIT);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, DETAIL_LIMIT);
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || (err as Error | null)?.name === 'TimeoutError';
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`.slice(0, DETAIL_LIMIT);
  }
  return String(err).slice(0, DETAIL_LIMIT);
}
