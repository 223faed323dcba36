import { backoffDelay, type BackoffPolicy } from './backoff';
import { parseRetryAfter } from './retry-after';

const policy: BackoffPolicy = { initialMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it.each([
    { attempt: 1, ceiling: 100 },
    { attempt: 2, ceiling: 200 },
    { attempt: 3, ceiling: 400 },
    { attempt: 4, ceiling: 800 },
    { attempt: 5, ceiling: 1000 },
    { attempt: 40, ceiling: 1000 },
  ])('grows exponentially up to maxMs: attempt $attempt waits at most $ceiling ms', ({ attempt, ceiling }) => {
    expect(backoffDelay(attempt, policy, { random: () => 0.999999 })).toBe(ceiling - 1);
    expect(backoffDelay(attempt, policy, { random: () => 0 })).toBe(0);
  });

  it('spreads delays uniformly below the ceiling (full jitter)', () => {
    const values = [0.1, 0.5, 0.9].map((r) => backoffDelay(3, policy, { random: () => r }));
    expect(values).toEqual([40, 200, 360]);
  });

  it('honours a custom multiplier', () => {
    expect(backoffDelay(3, { initialMs: 10, maxMs: 10_000, multiplier: 3 }, { random: () => 0.999999 })).toBe(89);
  });

  it('lets a server-requested Retry-After replace the computed delay', () => {
    expect(backoffDelay(1, policy, { retryAfterMs: 750, random: () => 0 })).toBe(750);
  });

  it('caps Retry-After at maxRetryAfterMs (or maxMs when unset)', () => {
    expect(backoffDelay(1, policy, { retryAfterMs: 60_000 })).toBe(1000);
    expect(backoffDelay(1, { ...policy, maxRetryAfterMs: 5000 }, { retryAfterMs: 60_000 })).toBe(5000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it.each([
    { value: '3', want: 3000 },
    { value: ' 0 ', want: 0 },
    { value: ['2', '9'], want: 2000 },
    { value: 'Thu, 01 Jan 2026 00:00:05 GMT', want: 5000 },
    { value: 'Wed, 31 Dec 2025 23:59:00 GMT', want: 0 },
    { value: '-1', want: undefined },
    { value: '1.5', want: undefined },
    { value: 'soon', want: undefined },
    { value: '', want: undefined },
    { value: undefined, want: undefined },
  ])('reads $value as $want ms', ({ value, want }) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});
