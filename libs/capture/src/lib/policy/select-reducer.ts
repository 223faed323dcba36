import type { Reducer } from '../reducer';

/** `/v1/messages/?beta=true` → `/v1/messages`: endpoints are matched without query or trailing slash. */
export function endpointPath(pathWithQuery: string): string {
  const bare = pathWithQuery.split('?', 1)[0] ?? '';
  return bare.length > 1 ? bare.replace(/\/+$/, '') || '/' : bare;
}

/**
 * The one rule for which reducer reads an exchange, at every capture site:
 *  - an API named explicitly (ingest's `api`) decides alone;
 *  - otherwise the path decides: the reducer whose turn endpoint it is — the given provider's own
 *    first (a provider reached through its route prefix keeps its own API), then any;
 *  - with no path, the provider's first API (OpenAI: Chat Completions).
 * Undefined when nothing matches: the exchange is not a turn this build can read.
 */
export function selectReducer(reducers: readonly Reducer[], key: { api?: string | undefined; path?: string | undefined; provider?: string | undefined }): Reducer | undefined {
  if (key.api !== undefined) return reducers.find((r) => r.api === key.api);
  if (key.path !== undefined) {
    const path = endpointPath(key.path);
    return reducers.find((r) => r.provider === key.provider && r.handlesPath(path)) ?? reducers.find((r) => r.handlesPath(path));
  }
  return reducers.find((r) => r.provider === key.provider);
}
