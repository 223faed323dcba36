/**
 * What one delivery attempt concluded, as a handler reports it:
 * - `'delivered'`: the target has the item (a duplicate acknowledgement counts);
 * - `'reject'`: the target refused it for good (a 4xx); retrying cannot help;
 * - `'retry'` or `{ retryAfterMs }`: the target is away or overloaded; try again later, no
 *   earlier than `retryAfterMs` when the target said when (`Retry-After`).
 */
export type DeliveryVerdict = 'delivered' | 'reject' | 'retry' | RetryLater;

export interface RetryLater {
  readonly retryAfterMs: number;
}

export function isRetryVerdict(verdict: DeliveryVerdict): verdict is 'retry' | RetryLater {
  return verdict === 'retry' || typeof verdict === 'object';
}

export function retryAfterOf(verdict: DeliveryVerdict): number | undefined {
  return typeof verdict === 'object' ? verdict.retryAfterMs : undefined;
}
