import { ByteBudget } from './byte-budget';

describe('ByteBudget', () => {
  it('grants reservations while they fit and refuses the one that would overflow', () => {
    const budget = new ByteBudget(100);
    expect(budget.tryAcquire(60)).toBe(true);
    expect(budget.tryAcquire(40)).toBe(true);
    expect(budget.tryAcquire(1)).toBe(false);
    expect(budget.inUse).toBe(100);
    expect(budget.available).toBe(0);
  });

  it('leaves nothing reserved after a refusal', () => {
    const budget = new ByteBudget(10);
    expect(budget.tryAcquire(11)).toBe(false);
    expect(budget.inUse).toBe(0);
    expect(budget.tryAcquire(10)).toBe(true);
  });

  it('makes released bytes available again and remembers the peak', () => {
    const budget = new ByteBudget(100);
    budget.tryAcquire(70);
    budget.release(50);
    expect(budget.tryAcquire(80)).toBe(true);
    expect(budget.inUse).toBe(100);
    budget.release(100);
    expect(budget.inUse).toBe(0);
    expect(budget.peak).toBe(100);
  });

  it('grants zero bytes even when full', () => {
    const budget = new ByteBudget(0);
    expect(budget.tryAcquire(0)).toBe(true);
  });

  it('throws on a release of more than is held (a double release would inflate the budget)', () => {
    const budget = new ByteBudget(100);
    budget.tryAcquire(10);
    expect(() => budget.release(11)).toThrow(RangeError);
  });

  it.each([-1, 1.5, Number.NaN])('rejects the byte count %p', (bytes) => {
    const budget = new ByteBudget(100);
    expect(() => budget.tryAcquire(bytes)).toThrow(RangeError);
  });
});
