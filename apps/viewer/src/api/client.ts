/**
 * The read API, relative to the page: the server writes where it is into
 * `<meta name="tapes-api">` (`v1/` under the proxy's /_tapes/, `../v1/` under ingest's /ui/), so
 * one build works at both. Requests are same-origin with credentials, so the `tapes_read` cookie
 * the token link sets (#13) goes along.
 */
export function apiBase(): URL {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="tapes-api"]')?.content;
  return new URL(meta || 'v1/', window.location.href);
}

export function apiUrl(path: string, query: Record<string, string | number | boolean | undefined | null> = {}): string {
  const url = new URL(path.replace(/^\//, ''), apiBase());
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  return url.toString();
}

/** An answer that was not 2xx, with the read API's `{error: {code, message}}` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, query?: Record<string, string | number | boolean | undefined | null>, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), { method, credentials: 'same-origin', headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', 'tapes could not be reached');
  }
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, code, message);
  }
  return (await response.json()) as T;
}

export const getJson = <T>(path: string, query?: Record<string, string | number | boolean | undefined | null>, signal?: AbortSignal) => request<T>('GET', path, query, signal);
export const deleteJson = <T>(path: string) => request<T>('DELETE', path);
