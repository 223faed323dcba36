import type { ChatRequest, ChatResponse, Provider, TurnApi } from '@tapes/llm';

export { TURN_APIS } from '@tapes/llm';
export type { TurnApi } from '@tapes/llm';

/** What a capture site says about the body it is about to feed. */
export interface ReductionOptions {
  /** The response `Content-Type`, if any; the body is sniffed when it is missing or wrong. */
  contentType?: string | undefined;
  /**
   * Decoded bytes the reduction will hold on to at most (the one-shot JSON path buffers the body;
   * streams hold only the turn being assembled). Past it, the reduction stops with an
   * `interrupted` diagnostic while the capture site keeps forwarding. Default 64 MiB.
   */
  maxBytes?: number | undefined;
}

/** Why a capture site cut a reduction short. */
export interface Interruption {
  /** Drop-reason vocabulary (design §9): `client_disconnect`, `upstream_error`, `capture_budget`, … */
  reason: string;
  detail: string;
}

/**
 * One turn being reduced, fed incrementally as bytes pass through a capture site. It never holds
 * the stream back, never keeps a second copy of a streamed body, and never throws: bad bytes
 * become diagnostics on the result.
 */
export interface Reduction {
  /** The next chunk of the (already content-decoded) response body, split anywhere. */
  push(chunk: Uint8Array | string): void;
  /**
   * The body ended (or the site cut it short: pass why) → the canonical response, complete or
   * partial with diagnostics. Call once.
   */
  finish(interruption?: Interruption): ChatResponse;
}

/**
 * Turns the raw bytes of one turn of one provider API into a canonical response, and that API's
 * request JSON into a canonical request. Reducers are plain classes, constructed explicitly and
 * handed to capture sites as a list: there is deliberately no global registry, so import order and
 * side effects stay out of the call graph.
 */
export interface Reducer {
  readonly provider: Provider;
  readonly api: TurnApi;
  /** True when `path` (query string excluded) is this API's turn endpoint. */
  handlesPath(path: string): boolean;
  /** Starts reducing one response body. */
  start(options?: ReductionOptions): Reduction;
  /** Reduces a whole one-shot response that is already parsed JSON (ingest's parsed form). */
  reduceJson(document: unknown): ChatResponse;
  /** Parses the request JSON. Throws {@link RequestParseError} when it is not this API's request. */
  parseRequest(document: unknown): ChatRequest;
}

/** The request body could not be read as this API's request. */
export class RequestParseError extends Error {
  readonly code = 'request_decode' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestParseError';
  }
}

/** Reduces a whole body in one call (the one-call form of {@link Reduction}). */
export function reduceBody(reducer: Reducer, body: Uint8Array | string, options?: ReductionOptions): ChatResponse {
  const reduction = reducer.start(options);
  reduction.push(body);
  return reduction.finish();
}

/** Parses request bytes (UTF-8 JSON) with the reducer's request parser. */
export function parseRequestBody(reducer: Reducer, body: Uint8Array | string): ChatRequest {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new RequestParseError(`request body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return reducer.parseRequest(document);
}

/** The reducer whose turn endpoint `path` is, among those given (query string ignored). */
export function reducerForPath(reducers: readonly Reducer[], path: string): Reducer | undefined {
  const bare = path.split('?', 1)[0] ?? path;
  return reducers.find((r) => r.handlesPath(bare));
}

/** The reducer for an API, or for a provider's primary API. */
export function reducerFor(reducers: readonly Reducer[], key: { api?: TurnApi | undefined; provider?: string | undefined }): Reducer | undefined {
  if (key.api) return reducers.find((r) => r.api === key.api);
  return reducers.find((r) => r.provider === key.provider);
}
