import type { ChatRequest, ChatResponse } from '@tapes/llm';

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
  /** The provider this API belongs to: what every node's bucket names (`anthropic`). */
  readonly provider: string;
  /** The wire API (`anthropic.messages`). */
  readonly api: string;
  /** True when `path` (query string excluded) is this API's turn endpoint. */
  handlesPath(path: string): boolean;
  /** Starts reducing one response body. */
  start(options?: ReductionOptions): Reduction;
  /** Reduces a whole one-shot response that is already parsed JSON (ingest's parsed form). */
  reduceJson(document: unknown): ChatResponse;
  /**
   * Parses the request JSON. Throws {@link RequestParseError} when it is not this API's request.
   * `context.path` is the request path (query included): some APIs put the model in the URL.
   */
  parseRequest(document: unknown, context?: RequestContext): ChatRequest;
}

/** What a request parser may know beyond the body. */
export interface RequestContext {
  /** The request path on the upstream, query included (`/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`). */
  path?: string | undefined;
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
export function parseRequestBody(reducer: Reducer, body: Uint8Array | string, context?: RequestContext): ChatRequest {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new RequestParseError(`request body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return reducer.parseRequest(document, context);
}
