/**
 * Why a capture site did not store a turn, in tapes' vocabulary (design §9). Every exchange a
 * capture site sees ends as stored/delivered, or counted under exactly one of these.
 */
export const DROP_REASONS = [
  /** Not a turn endpoint (GET /v1/models, count_tokens, …): proxied, not recorded. */
  'non_turn_request',
  /** The upstream answered something other than 200. */
  'upstream_status',
  /** The response carried no usable status (ext_proc: `:status` missing or not a number). */
  'missing_status',
  /** The exchange ended before the request body was complete: there is no whole request to store. */
  'request_incomplete',
  /** The request completed but no response ever arrived. */
  'upstream_no_response',
  /** The request or the response body alone was larger than the per-turn capture cap. */
  'request_over_budget',
  'response_over_budget',
  /** The request body could not be parsed as the API's request. */
  'request_decode',
  /** The response body's content encoding could not be undone. */
  'response_decode',
  /** The reducer could not produce anything usable. */
  'reducer_error',
  /** The upstream sent no body at all. */
  'empty_response',
  /** The capture byte budget was exhausted; forwarding went on. */
  'capture_budget',
  /** The on-disk spool is full. */
  'spool_full',
  /** The spool could not be written (disk error). */
  'spool_error',
  /** A bug in capture code; forwarding was unaffected. */
  'capture_error',
  /** Ingest refused the turn (4xx); retrying would not help. */
  'ingest_reject',
  /** Ingest refused the credentials. */
  'ingest_auth',
  /** Storage refused the turn as invalid (not an outage). */
  'storage_reject',
  /** The process was shutting down and could neither store nor spool the turn. */
  'shutdown',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];
