/**
 * The ext_proc messages as `@grpc/proto-loader` decodes them with
 * `{ keepCase: true, oneofs: true, defaults: true, longs: String, enums: String }`: snake_case
 * fields, the oneof name as a discriminator, `bytes` as Buffer, absent sub-messages as null.
 */

export interface HeaderValueMessage {
  key: string;
  /** Set only by Envoy releases older than 1.32; current ones send `raw_value`. */
  value: string;
  raw_value: Buffer;
}

export interface HeaderMapMessage {
  headers: HeaderValueMessage[];
}

export interface HttpHeadersMessage {
  headers: HeaderMapMessage | null;
  /** True: this side has no body. */
  end_of_stream: boolean;
}

export interface HttpBodyMessage {
  body: Buffer;
  /** True: last body message, no trailers follow. */
  end_of_stream: boolean;
}

export interface HttpTrailersMessage {
  trailers: HeaderMapMessage | null;
}

/** The cases of the `request` oneof, which are also the cases of the reply's `response` oneof. */
export const PROCESSING_KINDS = ['request_headers', 'response_headers', 'request_body', 'response_body', 'request_trailers', 'response_trailers'] as const;
export type ProcessingKind = (typeof PROCESSING_KINDS)[number];

export interface ProcessingRequest {
  /** Which oneof case is set; undefined for a case this proto does not know (a newer Envoy). */
  request?: ProcessingKind;
  request_headers?: HttpHeadersMessage | null;
  response_headers?: HttpHeadersMessage | null;
  request_body?: HttpBodyMessage | null;
  response_body?: HttpBodyMessage | null;
  request_trailers?: HttpTrailersMessage | null;
  response_trailers?: HttpTrailersMessage | null;
  observability_mode: boolean;
}
