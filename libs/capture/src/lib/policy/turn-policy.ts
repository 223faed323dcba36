import type { Reducer } from '../reducer';
import { selectReducer } from './select-reducer';

/** Why an exchange is not a turn at all (the two gates of `fixtures/drop-reason/`, plus the transport case). */
export type NotATurnReason = 'upstream_status' | 'non_turn_request' | 'missing_status';

export type RequestVerdict = { turn: true; reducer: Reducer } | { turn: false; reason: 'non_turn_request'; detail: string };
export type StatusVerdict = { turn: true } | { turn: false; reason: 'upstream_status' | 'missing_status'; detail: string };

/**
 * Whether an exchange is a turn: the one policy every capture site applies (design §7,
 * `fixtures/drop-reason/` `non_turn_request` and `upstream_status`).
 *
 * - The request gate is a pure function of the request line: the method must be POST (matched
 *   case-insensitively; an absent method is no evidence against it) and the path — as the provider
 *   sees it, query and trailing slash ignored — a turn endpoint of one of the reducers.
 * - The status gate: exactly 200, not the 2xx class (a 201 or 204 is no completed turn). A
 *   response without a readable status is `missing_status` (transport: only ext_proc can see one).
 * - Precedence when both fail: `upstream_status` first — a probe that also failed upstream is
 *   reported for its status, so every site reports the same reason for the same exchange.
 */
export const turnPolicy = {
  request(input: { method: string | undefined; path: string; provider?: string | undefined; reducers: readonly Reducer[] }): RequestVerdict {
    const method = (input.method ?? '').toUpperCase();
    if (method !== '' && method !== 'POST') return { turn: false, reason: 'non_turn_request', detail: `${method} is not a turn method` };
    const reducer = selectReducer(input.reducers, { path: input.path, provider: input.provider });
    if (!reducer) return { turn: false, reason: 'non_turn_request', detail: `${input.path.split('?', 1)[0]} is not a turn endpoint` };
    return { turn: true, reducer };
  },

  status(status: number | undefined): StatusVerdict {
    if (status === undefined || !Number.isInteger(status)) return { turn: false, reason: 'missing_status', detail: 'the response carried no status' };
    if (status !== 200) return { turn: false, reason: 'upstream_status', detail: `upstream answered ${status}` };
    return { turn: true };
  },

  /** Both gates in the specified precedence, for a site that knows the whole exchange. */
  exchange(input: { method: string | undefined; path: string; provider?: string | undefined; status: number | undefined; reducers: readonly Reducer[] }): RequestVerdict | (StatusVerdict & { turn: false }) {
    const status = turnPolicy.status(input.status);
    if (!status.turn && status.reason === 'upstream_status') return status;
    const request = turnPolicy.request(input);
    if (!request.turn || status.turn) return request;
    return status;
  },
} as const;
