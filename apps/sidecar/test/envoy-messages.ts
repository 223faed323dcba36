import type { HeaderMapMessage, ProcessingKind, ProcessingRequest } from '../src/ext-proc/processing-messages';

/**
 * Builders for the ProcessingRequest messages Envoy sends (docs/ext-proc.md §2), in the shape
 * proto-loader decodes them to. The same objects serialize for a client that plays Envoy.
 */
export type HeaderInput = Record<string, string | string[]>;

export interface MessageOptions {
  observabilityMode?: boolean;
  /** Put values in the legacy `value` field instead of `raw_value` (Envoy < 1.32). */
  legacyValues?: boolean;
}

function headerMap(headers: HeaderInput, legacy: boolean): HeaderMapMessage {
  return {
    headers: Object.entries(headers).flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => (legacy ? { key, value: v, raw_value: Buffer.alloc(0) } : { key, value: '', raw_value: Buffer.from(v, 'utf8') })),
    ),
  };
}

function base(kind: ProcessingKind, options: MessageOptions): ProcessingRequest {
  return { request: kind, observability_mode: options.observabilityMode === true };
}

export function requestHeaders(headers: HeaderInput, endOfStream = false, options: MessageOptions = {}): ProcessingRequest {
  return { ...base('request_headers', options), request_headers: { headers: headerMap(headers, options.legacyValues === true), end_of_stream: endOfStream } };
}

export function responseHeaders(headers: HeaderInput, endOfStream = false, options: MessageOptions = {}): ProcessingRequest {
  return { ...base('response_headers', options), response_headers: { headers: headerMap(headers, options.legacyValues === true), end_of_stream: endOfStream } };
}

export function requestBody(body: Buffer | string, endOfStream = false, options: MessageOptions = {}): ProcessingRequest {
  return { ...base('request_body', options), request_body: { body: Buffer.from(body), end_of_stream: endOfStream } };
}

export function responseBody(body: Buffer | string, endOfStream = false, options: MessageOptions = {}): ProcessingRequest {
  return { ...base('response_body', options), response_body: { body: Buffer.from(body), end_of_stream: endOfStream } };
}

export function requestTrailers(trailers: HeaderInput = {}, options: MessageOptions = {}): ProcessingRequest {
  return { ...base('request_trailers', options), request_trailers: { trailers: headerMap(trailers, false) } };
}

export function responseTrailers(trailers: HeaderInput = {}, options: MessageOptions = {}): ProcessingRequest {
  return { ...base('response_trailers', options), response_trailers: { trailers: headerMap(trailers, false) } };
}

/** Splits `bytes` at the given offsets (sorted, deduplicated, clamped): chunk boundaries anywhere. */
export function splitAt(bytes: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => Math.max(0, Math.min(bytes.length, o))))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    parts.push(bytes.subarray(start, cut));
    start = cut;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

/** Evenly sized chunks of at most `size` bytes. */
export function chunks(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return parts.length > 0 ? parts : [Buffer.alloc(0)];
}

export interface ExchangeScript {
  method?: string;
  path: string;
  requestHeaders?: HeaderInput;
  requestChunks: Buffer[];
  status?: number;
  responseHeaders?: HeaderInput;
  responseChunks: Buffer[];
  /** How the response ends (docs/ext-proc.md §4): end_of_stream on the last body message, an extra empty body message, trailers, or not at all. */
  ending?: 'eos_on_last_chunk' | 'empty_final_chunk' | 'trailers' | 'none';
}

/** The message sequence Envoy sends for one exchange in STREAMED mode (docs/ext-proc.md §4.1/§4.2). */
export function envoySequence(script: ExchangeScript, options: MessageOptions = {}): ProcessingRequest[] {
  const messages: ProcessingRequest[] = [];
  const reqHeaders = { ':method': script.method ?? 'POST', ':path': script.path, ':authority': 'localhost:10000', ':scheme': 'http', 'content-type': 'application/json', ...script.requestHeaders };
  const hasRequestBody = script.requestChunks.some((c) => c.length > 0);
  messages.push(requestHeaders(reqHeaders, !hasRequestBody, options));
  if (hasRequestBody) script.requestChunks.forEach((chunk, i) => messages.push(requestBody(chunk, i === script.requestChunks.length - 1, options)));
  const ending = script.ending ?? 'eos_on_last_chunk';
  const resHeaders = { ':status': String(script.status ?? 200), ...script.responseHeaders };
  const hasResponseBody = script.responseChunks.some((c) => c.length > 0);
  messages.push(responseHeaders(resHeaders, !hasResponseBody && ending !== 'none', options));
  if (!hasResponseBody) return messages;
  script.responseChunks.forEach((chunk, i) => messages.push(responseBody(chunk, ending === 'eos_on_last_chunk' && i === script.responseChunks.length - 1, options)));
  if (ending === 'empty_final_chunk') messages.push(responseBody(Buffer.alloc(0), true, options));
  if (ending === 'trailers') messages.push(responseTrailers({ 'x-envoy-upstream-service-time': '12' }, options));
  return messages;
}
