import { abortableSleep } from './abortable-sleep';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { isRetryVerdict, retryAfterOf, type DeliveryVerdict } from './delivery-verdict';

export interface RetryOptions {
  /** Attempts in total, the first included (≥ 1). */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Aborting stops between attempts (the attempt itself gets the signal too). */
  signal?: AbortSignal | undefined;
  random?: () => number;
  /**
   * The longest single wait worth spending in memory. A target that asks for more (`Retry-After`)
   * ends the attempts at once as `exhausted`, so the caller can park the item (on disk) instead of
   * holding it. Defaults to no limit beyond the backoff policy's own caps.
   */
  maxWaitMs?: number;
  /** How to wait between attempts; injectable so tests observe the delays instead of sleeping. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<boolean>;
}

export type RetryOutcome =
  | { readonly outcome: 'delivered'; readonly attempts: number }
  | { readonly outcome: 'rejected'; readonly attempts: number }
  /** Every attempt asked for a retry (or the next wait was too long): park the item. */
  | { readonly outcome: 'exhausted'; readonly attempts: number }
  /** The signal aborted before an answer: the item is still undelivered. */
  | { readonly outcome: 'aborted'; readonly attempts: number };

/**
 * Runs `attempt` until it delivers or is refused, retrying with exponential backoff and full
 * jitter (honouring a `Retry-After` the target gave) up to `maxAttempts`. Errors thrown by
 * `attempt` are programmer errors and propagate: a handler classifies its own failures.
 */
export async function deliverWithRetries(
  attempt: (attemptNumber: number, signal: AbortSignal | undefined) => Promise<DeliveryVerdict>,
  options: RetryOptions,
): Promise<RetryOutcome> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts));
  for (let n = 1; ; n += 1) {
    if (options.signal?.aborted) return { outcome: 'aborted', attempts: n - 1 };
    const verdict = await attempt(n, options.signal);
    if (verdict === 'delivered') return { outcome: 'delivered', attempts: n };
    if (verdict === 'reject') return { outcome: 'rejected', attempts: n };
    if (!isRetryVerdict(verdict)) throw new Error(`unknown delivery verdict ${String(verdict)}`);
    if (options.signal?.aborted) return { outcome: 'aborted', attempts: n };
    if (n >= maxAttempts) return { outcome: 'exhausted', attempts: n };
    const delay = backoffDelay(n, options.backoff, { retryAfterMs: retryAfterOf(verdict), random: options.random });
    if (options.maxWaitMs !== undefined && delay > options.maxWaitMs) return { outcome: 'exhausted', attempts: n };
    if (!(await (options.sleep ?? abortableSleep)(delay, options.signal))) return { outcome: 'aborted', attempts: n };
  }
}
