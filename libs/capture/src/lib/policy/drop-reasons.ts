/**
 * Why an exchange was not stored as a turn, in tapes' vocabulary (design §9,
 * `fixtures/drop-reason/`). Every exchange a capture site sees ends stored, or counted under
 * exactly one of these.
 *
 * **Policy** reasons are properties of the exchange any implementation sees alike (its method,
 * path, status, bytes); they are listed in their order of precedence — when several hold, the
 * first is reported. tapes keeps the raw bytes of turns that fail the content gates
 * (`request_decode`, `empty_response`, `response_decode`, `reducer_error`) as `unreduced` turns
 * with a diagnostic rather than dropping them; the names remain the vocabulary for why such a turn
 * has no nodes.
 */
export const POLICY_DROP_REASONS = ['upstream_status', 'non_turn_request', 'request_decode', 'empty_response', 'unknown_provider', 'response_decode', 'reducer_error'] as const;

/**
 * **Transport** reasons name how this deployment failed to move bytes (a downstream connection, a
 * bounded buffer, a journal, a remote ingest); another implementation need not have them.
 */
export const TRANSPORT_DROP_REASONS = [
  /** The client closed the connection before the upstream answered. */
  'client_disconnect',
  /** The upstream never answered (connection refused, reset or timed out before its headers). */
  'upstream_no_response',
  /** The response carried no usable status (ext_proc: `:status` missing or not a number). */
  'missing_status',
  /** The exchange ended before the request body was complete: there is no whole request to store. */
  'request_incomplete',
  /** The request or the response body alone was larger than the per-turn capture cap. */
  'request_over_budget',
  'response_over_budget',
  /** The capture byte budget was exhausted; forwarding went on (the corpus's `sem_full`). */
  'capture_budget',
  /** The journal (on-disk backlog) is full. */
  'spool_full',
  /** The journal could not be written and the turn could not be kept otherwise. */
  'spool_error',
  /** A bug in capture code; forwarding was unaffected. */
  'capture_error',
  /** Ingest refused the turn (4xx); retrying would not help. */
  'ingest_reject',
  /** Ingest refused the credentials. */
  'ingest_auth',
  /**
   * The store already holds a DIFFERENT turn under this request id (ingest's 409, #13): this
   * content is refused, the stored turn stays. Retrying would be refused again.
   */
  'request_id_conflict',
  /** Storage refused the turn as invalid (not an outage), or it failed too often to keep trying. */
  'storage_reject',
  /** The process was stopping and could keep the turn nowhere. */
  'shutdown',
  /**
   * The process died (killed, crashed, lost power) while the exchange was in flight: counted by
   * the next start from the journal's in-flight mark. The agent saw its response cut or never
   * got one; a turn it received whole is never counted here (it was journaled before its end).
   */
  'process_crash',
] as const;

export const DROP_REASONS = [...POLICY_DROP_REASONS, ...TRANSPORT_DROP_REASONS] as const;

export type PolicyDropReason = (typeof POLICY_DROP_REASONS)[number];
export type TransportDropReason = (typeof TRANSPORT_DROP_REASONS)[number];
export type DropReason = (typeof DROP_REASONS)[number];

export function isDropReason(value: string): value is DropReason {
  return (DROP_REASONS as readonly string[]).includes(value);
}
