/**
 * One captured turn as a test input: the response bytes a provider sent (a fixture file) plus a
 * request that could have produced it. Every capture site's tests iterate the same catalog, so a
 * fixture added here is exercised by the proxy, the sidecar, ingest and the contract matrix.
 */
export interface TurnFixture {
  /** Unique, stable, readable: `anthropic/messages_stream`. */
  name: string;
  /** The wire API (`anthropic.messages`; one of @tapes/capture's TURN_APIS — a test asserts it, the type cannot: capture's tests import this catalog). */
  api: string;
  provider: string;
  /** The endpoint path a client posts to. */
  path: string;
  /** Response body fixture, relative to a fixtures dir. */
  responseFile: string;
  /** The response Content-Type the provider sends. */
  contentType: string;
  /** Whether the response is a stream (SSE/NDJSON) or one-shot JSON. */
  streamed: boolean;
  /** The request JSON a client sent for this turn. */
  request: Record<string, unknown>;
  /** True when the reduction is expected to be complete and clean (no diagnostics). */
  complete: boolean;
  /** Diagnostic codes a partial capture must report (empty for complete turns). */
  diagnostics?: string[];
}
