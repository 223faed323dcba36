/** What `GET /_tapes/health` said, or why it could not be asked. */
export type ProxyHealth =
  | { ok: true; status: number; body: unknown }
  /** `absent`: nothing tapes-like answers there (connection refused, or another program on the port); `unwell`: a proxy that is slow or not ready. */
  | { ok: false; status?: number; reason: string; kind: 'absent' | 'unwell' };

/**
 * Asks a proxy's readiness probe (`/_tapes/health`: it forwards and keeps every turn). A proxy is
 * recognised by this route: anything else on the port (another program) answers 404 or not JSON.
 */
export async function proxyHealth(baseUrl: string, timeoutMs = 2_000, route = '/_tapes/health'): Promise<ProxyHealth> {
  try {
    const response = await fetch(new URL(route, baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, status: response.status, reason: `answered ${response.status} without JSON: not a tapes proxy`, kind: 'absent' };
    }
    const status = (body as { status?: unknown }).status;
    if (response.ok && status === 'ok') return { ok: true, status: response.status, body };
    return { ok: false, status: response.status, reason: `not ready (${response.status} ${JSON.stringify(body).slice(0, 200)})`, kind: 'unwell' };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, reason, kind: code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'absent' : 'unwell' };
  }
}
