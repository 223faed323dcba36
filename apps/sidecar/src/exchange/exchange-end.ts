import type { Provider } from '@tapes/llm';
import type { CapturedTurn } from './captured-turn';

/** Seen, deliberately not recorded (design §7): not a turn, or the upstream did not answer 200. */
export type NotRecordedReason = 'non_turn_request' | 'upstream_status' | 'missing_status';

/** A turn lost before it could be handed to delivery, counted under its reason. */
export type CaptureDropReason =
  /** The shared in-memory budget was exhausted. */
  | 'capture_budget'
  /** One body was larger than CAPTURE_MAX_BODY_BYTES. */
  | 'request_over_budget'
  | 'response_over_budget'
  /** The stream ended before the request was complete: there is no whole request to store. */
  | 'request_incomplete'
  /** The request completed but no response headers ever arrived. */
  | 'upstream_no_response'
  /** A bug in the sidecar's capture code; forwarding was unaffected. */
  | 'capture_error';

/** How one ext_proc stream (one HTTP exchange) ended; each exchange ends exactly once. */
export type ExchangeEnd =
  | { readonly outcome: 'captured'; readonly turn: CapturedTurn }
  | { readonly outcome: 'not_recorded'; readonly reason: NotRecordedReason; readonly requestId: string; readonly provider?: Provider }
  | { readonly outcome: 'dropped'; readonly reason: CaptureDropReason; readonly requestId: string; readonly provider: Provider }
  /** The stream closed before any request headers: nothing to classify. */
  | { readonly outcome: 'empty' };

export type ExchangeOutcome = ExchangeEnd['outcome'];
