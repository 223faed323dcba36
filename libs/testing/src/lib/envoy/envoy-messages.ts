/**
 * The ProcessingRequest messages Envoy sends to an ext_proc server (docs/ext-proc.md §2, §4), as
 * plain objects in @grpc/proto-loader's shape (`keepCase`, the oneof case named by `request`): what
 * a client playing Envoy serializes, and what a test hands straight to a handler. libs/testing
 * imports no workspace lib (their specs import it), so the shape is declared here, from the client's
 * side; it is assignable to libs/ext-proc's decoded `ProcessingRequest`.
 */

export type EnvoyMessageKind = 'request_headers' | 'response_headers' | 'request_body' | 'response_body' | 'request_trailers' | 'response_trailers';

export interface EnvoyHeaderValue {
  key: string;
  /** Set only by Envoy releases older than 1.32; current ones send `raw_value`. */
  value: string;
  raw_value: Buffer;
}

export interface EnvoyHeaderMap {
  headers: EnvoyHeaderValue[];
}

export interface EnvoyMessage {
  request: EnvoyMessageKind;
  request_headers?: { headers: EnvoyHeaderMap; end_of_stream: boolean };
  response_headers?: { headers: EnvoyHeaderMap; end_of_stream: boolean };
  request_body?: { body: Buffer; end_of_stream: boolean };
  response_body?: { body: Buffer; end_of_stream: boolean };
  request_trailers?: { trailers: EnvoyHeaderMap };
  response_trailers?: { trailers: EnvoyHeaderMap };
  /** Envoy's send-and-go mode: the server must not reply (docs/ext-proc.md §3.3). */
  observability_mode: boolean;
}

/** Header values by name; an array is one header sent several times (set-cookie). */
export type HeaderInput = Record<string, string | string[]>;

export interface MessageOptions {
  observabilityMode?: boolean;
  /** Put values in the legacy `value` field instead of `raw_value` (Envoy < 1.32). */
  legacyValues?: boolean;
}

function headerMap(headers: HeaderInput, legacy: boolean): EnvoyHeaderMap {
  return {
    headers: Object.entries(headers).flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => (legacy ? { key, value: v, raw_value: Buffer.alloc(0) } : { key, value: '', raw_value: Buffer.from(v, 'utf8') })),
    ),
  };
}

function base(kind: EnvoyMessageKind, options: MessageOptions): EnvoyMessage {
  return { request: kind, observability_mode: options.observabilityMode === true };
}

export function requestHeaders(headers: HeaderInput, endOfStream = false, options: MessageOptions = {}): EnvoyMessage {
  return { ...base('request_headers', options), request_headers: { headers: headerMap(headers, options.legacyValues === true), end_of_stream: endOfStream } };
}

export function responseHeaders(headers: HeaderInput, endOfStream = false, options: MessageOptions = {}): EnvoyMessage {
  return { ...base('response_headers', options), response_headers: { headers: headerMap(headers, options.legacyValues === true), end_of_stream: endOfStream } };
}

export function requestBody(body: Buffer | string, endOfStream = false, options: MessageOptions = {}): EnvoyMessage {
  return { ...base('request_body', options), request_body: { body: Buffer.from(body), end_of_stream: endOfStream } };
}

export function responseBody(body: Buffer | string, endOfStream = false, options: MessageOptions = {}): EnvoyMessage {
  return { ...base('response_body', options), response_body: { body: Buffer.from(body), end_of_stream: endOfStream } };
}

export function requestTrailers(trailers: HeaderInput = {}, options: MessageOptions = {}): EnvoyMessage {
  return { ...base('request_trailers', options), request_trailers: { trailers: headerMap(trailers, false) } };
}

export function responseTrailers(trailers: HeaderInput = {}, options: MessageOptions = {}): EnvoyMessage {
  return { ...base('response_trailers', options), response_trailers: { trailers: headerMap(trailers, false) } };
}

/** One HTTP exchange as Envoy reports it. */
export interface ExchangeScript {
  method?: string;
  path: string;
  /** Added to (and overriding) `:method`, `:path`, `:authority`, `:scheme`, and `content-type` when there is a body. */
  requestHeaders?: HeaderInput;
  /** The request body as Envoy hands it over, split as it arrived; no non-empty chunk: no body. */
  requestChunks: Buffer[];
  /** Default 200. */
  status?: number;
  responseHeaders?: HeaderInput;
  /** Empty chunks are sent as they are (Envoy does send them); no non-empty chunk: no body. */
  responseChunks: Buffer[];
  /** How the response ends (docs/ext-proc.md §4): end_of_stream on the last body message, an extra empty body message, trailers, or not at all. */
  ending?: 'eos_on_last_chunk' | 'empty_final_chunk' | 'trailers' | 'none';
}

/** The message sequence Envoy sends for one exchange in STREAMED body mode (docs/ext-proc.md §4.1/§4.2). */
export function envoySequence(script: ExchangeScript, options: MessageOptions = {}): EnvoyMessage[] {
  const messages: EnvoyMessage[] = [];
  const hasRequestBody = script.requestChunks.some((c) => c.length > 0);
  const reqHeaders: HeaderInput = {
    ':method': script.method ?? 'POST',
    ':path': script.path,
    ':authority': 'localhost:10000',
    ':scheme': 'http',
    ...(hasRequestBody ? { 'content-type': 'application/json' } : {}),
    ...script.requestHeaders,
  };
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
