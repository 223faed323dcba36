/**
 * The ProcessingRequest messages Envoy sends to an ext_proc server (docs/ext-proc.md §2, §4), as
 * plain objects in @grpc/proto-loader's shape (`keepCase`, oneof case named by `request`). Adapted
 * from apps/sidecar/test/envoy-messages.ts: the contract suite plays Envoy against the sidecar's
 * bundle and may not import the app.
 */

export type ProcessingKind = 'request_headers' | 'response_headers' | 'request_body' | 'response_body' | 'request_trailers' | 'response_trailers';

interface HeaderValue {
  key: string;
  value: string;
  raw_value: Buffer;
}

export interface ProcessingRequest {
  request: ProcessingKind;
  request_headers?: { headers: { headers: HeaderValue[] }; end_of_stream: boolean };
  response_headers?: { headers: { headers: HeaderValue[] }; end_of_stream: boolean };
  request_body?: { body: Buffer; end_of_stream: boolean };
  response_body?: { body: Buffer; end_of_stream: boolean };
  response_trailers?: { trailers: { headers: HeaderValue[] } };
  observability_mode: boolean;
}

export type HeaderInput = Record<string, string>;

/** Current Envoy (≥ 1.32) puts header values in `raw_value`. */
function headerMap(headers: HeaderInput): { headers: HeaderValue[] } {
  return { headers: Object.entries(headers).map(([key, value]) => ({ key, value: '', raw_value: Buffer.from(value, 'utf8') })) };
}

/** One HTTP exchange as Envoy reports it. */
export interface ExchangeScript {
  method?: string;
  path: string;
  requestHeaders?: HeaderInput;
  /** The request body as Envoy hands it over, split as it arrived (empty: no body). */
  requestChunks: Buffer[];
  status: number;
  responseHeaders?: HeaderInput;
  responseChunks: Buffer[];
}

/**
 * The messages of one exchange in STREAMED body mode (docs/ext-proc.md §4.1): request headers,
 * request body chunks (end_of_stream on the last), response headers, response body chunks
 * (end_of_stream on the last). `observability` sets Envoy's send-and-go flag on every message.
 */
export function envoySequence(script: ExchangeScript, observability: boolean): ProcessingRequest[] {
  const flag = { observability_mode: observability };
  const messages: ProcessingRequest[] = [];
  const requestHeaders = { ':method': script.method ?? 'POST', ':path': script.path, ':authority': 'gateway.local:10000', ':scheme': 'https', ...script.requestHeaders };
  const requestChunks = script.requestChunks.filter((c) => c.length > 0);
  messages.push({ request: 'request_headers', request_headers: { headers: headerMap(requestHeaders), end_of_stream: requestChunks.length === 0 }, ...flag });
  requestChunks.forEach((body, i) => messages.push({ request: 'request_body', request_body: { body, end_of_stream: i === requestChunks.length - 1 }, ...flag }));
  const responseChunks = script.responseChunks.filter((c) => c.length > 0);
  const responseHeaders = { ':status': String(script.status), ...script.responseHeaders };
  messages.push({ request: 'response_headers', response_headers: { headers: headerMap(responseHeaders), end_of_stream: responseChunks.length === 0 }, ...flag });
  responseChunks.forEach((body, i) => messages.push({ request: 'response_body', response_body: { body, end_of_stream: i === responseChunks.length - 1 }, ...flag }));
  return messages;
}

/** `bytes` in `count` pieces of about equal size (a network's arbitrary chunk boundaries). */
export function pieces(bytes: Buffer, count: number): Buffer[] {
  if (bytes.length === 0) return [];
  const size = Math.max(1, Math.ceil(bytes.length / count));
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}
