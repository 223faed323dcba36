import type { CapturedTurn, DropReason } from '@tapes/capture';

/** Seen, deliberately not recorded (design §7): not a turn, or the upstream did not answer 200. */
export type NotRecordedReason = Extract<DropReason, 'non_turn_request' | 'upstream_status' | 'missing_status'>;

/** A turn lost before it could be handed to delivery, counted under its reason. */
export type CaptureDropReason = Extract<
  DropReason,
  'capture_budget' | 'request_over_budget' | 'response_over_budget' | 'request_incomplete' | 'upstream_no_response' | 'capture_error'
>;

/** How one ext_proc stream (one HTTP exchange) ended; each exchange ends exactly once. */
export type ExchangeEnd =
  /** `heldBytes`: the capture budget the turn holds; whoever ends its life (delivery) releases it. */
  | { readonly outcome: 'captured'; readonly turn: CapturedTurn; readonly heldBytes: number }
  | { readonly outcome: 'not_recorded'; readonly reason: NotRecordedReason; readonly requestId: string; readonly provider?: string }
  | { readonly outcome: 'dropped'; readonly reason: CaptureDropReason; readonly requestId: string; readonly provider: string }
  /** The stream closed before any request headers: nothing to classify. */
  | { readonly outcome: 'empty' };

export type ExchangeOutcome = ExchangeEnd['outcome'];
