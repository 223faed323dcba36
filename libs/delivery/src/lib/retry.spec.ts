import type { DeliveryVerdict } from './delivery-verdict';
import { deliverWithRetries, type RetryOptions } from './retry';

function scripted(verdicts: DeliveryVerdict[]): { attempt: () => Promise<DeliveryVerdict>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const verdict = verdicts[Math.min(calls, verdicts.length - 1)];
      calls += 1;
      if (verdict === undefined) throw new Error('empty script');
      return verdict;
    },
    calls: () => calls,
  };
}

function options(overrides: Partial<RetryOptions> = {}): RetryOptions & { waits: number[] } {
  const waits: number[] = [];
  return {
    maxAttempts: 3,
    backoff: { initialMs: 100, maxMs: 1000 },
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
      return true;
    },
    waits,
    ...overrides,
  };
}

describe('deliverWithRetries', () => {
  it.each([
    { name: 'delivers at the first attempt', script: ['delivered'] as DeliveryVerdict[], want: { outcome: 'delivered', attempts: 1 }, waits: [] as number[] },
    { name: 'retries, then delivers', script: ['retry', 'retry', 'delivered'] as DeliveryVerdict[], want: { outcome: 'delivered', attempts: 3 }, waits: [50, 100] },
    { name: 'never retries a rejection', script: ['reject', 'delivered'] as DeliveryVerdict[], want: { outcome: 'rejected', attempts: 1 }, waits: [] },
    { name: 'gives up after maxAttempts', script: ['retry'] as DeliveryVerdict[], want: { outcome: 'exhausted', attempts: 3 }, waits: [50, 100] },
    { name: 'waits as long as Retry-After asks', script: [{ retryAfterMs: 700 }, 'delivered'] as DeliveryVerdict[], want: { outcome: 'delivered', attempts: 2 }, waits: [700] },
  ])('$name', async ({ script, want, waits }) => {
    const { attempt } = scripted(script);
    const opts = options();
    expect(await deliverWithRetries(attempt, opts)).toEqual(want);
    expect(opts.waits).toEqual(waits);
  });

  it('stops at once, without waiting, when the target asks for a longer wait than maxWaitMs', async () => {
    const { attempt, calls } = scripted([{ retryAfterMs: 60_000 }, 'delivered']);
    const opts = options({ maxWaitMs: 5000, backoff: { initialMs: 100, maxMs: 1000, maxRetryAfterMs: 120_000 } });
    expect(await deliverWithRetries(attempt, opts)).toEqual({ outcome: 'exhausted', attempts: 1 });
    expect(calls()).toBe(1);
    expect(opts.waits).toEqual([]);
  });

  it('reports aborted when the signal fires during a wait, and makes no further attempt', async () => {
    const controller = new AbortController();
    const { attempt, calls } = scripted(['retry', 'delivered']);
    const opts = options({
      signal: controller.signal,
      sleep: async () => {
        controller.abort();
        return false;
      },
    });
    expect(await deliverWithRetries(attempt, opts)).toEqual({ outcome: 'aborted', attempts: 1 });
    expect(calls()).toBe(1);
  });

  it('makes no attempt when already aborted', async () => {
    const { attempt, calls } = scripted(['delivered']);
    expect(await deliverWithRetries(attempt, options({ signal: AbortSignal.abort() }))).toEqual({ outcome: 'aborted', attempts: 0 });
    expect(calls()).toBe(0);
  });

  it('lets an error thrown by the attempt propagate (handlers classify their own failures)', async () => {
    await expect(deliverWithRetries(() => Promise.reject(new Error('bug')), options())).rejects.toThrow('bug');
  });

  it('waits for real between attempts by default', async () => {
    const { attempt, calls } = scripted(['retry', 'delivered']);
    const result = await deliverWithRetries(attempt, { maxAttempts: 2, backoff: { initialMs: 5, maxMs: 5 } });
    expect(result).toEqual({ outcome: 'delivered', attempts: 2 });
    expect(calls()).toBe(2);
  });
});
