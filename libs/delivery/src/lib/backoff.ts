/**
 * How long to wait before retry number `attempt` (1 = the first retry).
 *
 * Exponential growth with "full jitter" (the delay is uniform in `[0, min(maxMs, initialMs·m^(n-1))]`):
 * many capture sites that lost the same ingest at the same moment spread their retries instead of
 * returning in lock-step (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 */
export interface BackoffPolicy {
  /** Upper bound of the first retry's delay. */
  readonly initialMs: number;
  /** Upper bound of any computed delay. */
  readonly maxMs: number;
  /** Growth per attempt; 2 unless said otherwise. */
  readonly multiplier?: number;
  /**
   * The longest server-requested wait (`Retry-After`) honoured as given; longer requests are cut
   * to this. Defaults to `maxMs`.
   */
  readonly maxRetryAfterMs?: number;
}

export interface BackoffOptions {
  /** A wait the server asked for (`Retry-After`), in ms; it replaces the computed delay. */
  retryAfterMs?: number | undefined;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export function backoffDelay(attempt: number, policy: BackoffPolicy, options: BackoffOptions = {}): number {
  const { retryAfterMs, random = Math.random } = options;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    // The server knows when it will be back: waiting less only earns another 503.
    return Math.max(0, Math.min(retryAfterMs, policy.maxRetryAfterMs ?? policy.maxMs));
  }
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.multiplier ?? 2, exponent));
  return Math.floor(random() * ceiling);
}
