import type { TurnStore } from '@tapes/storage';
import { eventually } from '@tapes/testing';
import { RetentionSweeper } from './retention';

/** A store that expires `pending` sessions, at most `limit` per call, and records the cutoffs asked for. */
function expiringStore(pending: number) {
  const cutoffs: Date[] = [];
  const store = {
    async expireSessions(cutoff: Date, options?: { limit?: number }) {
      cutoffs.push(cutoff);
      const n = Math.min(pending, options?.limit ?? 100);
      pending -= n;
      return { sessions: n, turns: 2 * n, nodes: 3 * n };
    },
  } as unknown as TurnStore;
  return { store, cutoffs, left: () => pending };
}

describe('RetentionSweeper (TAPES_RETENTION)', () => {
  it('deletes every session past retention in batches, with the cutoff retention before now', async () => {
    const { store, cutoffs, left } = expiringStore(230);
    const sweeper = new RetentionSweeper(store, { retentionMs: 30 * 86_400_000 });
    const now = new Date('2026-12-01T00:00:00.000Z');
    expect(await sweeper.sweep(now)).toEqual({ sessions: 230, turns: 460, nodes: 690 });
    expect(left()).toBe(0);
    expect(cutoffs.map((c) => c.toISOString())).toEqual(Array(3).fill('2026-11-01T00:00:00.000Z'));
  });

  it('never sweeps when retention is off, and stops its schedule at shutdown', async () => {
    const disabled = expiringStore(5);
    const off = new RetentionSweeper(disabled.store, { retentionMs: 0, firstSweepMs: 0 });
    off.onApplicationBootstrap();
    const { store, cutoffs } = expiringStore(5);
    const on = new RetentionSweeper(store, { retentionMs: 1_000, firstSweepMs: 0, intervalMs: 5 });
    on.onApplicationBootstrap();
    // Waits for the sweeps, not for a time (a loaded machine can take seconds to run two 5 ms timers).
    await eventually('two scheduled sweeps', () => (cutoffs.length >= 2 ? true : undefined));
    await on.onApplicationShutdown();
    const swept = cutoffs.length;
    expect(swept).toBeGreaterThanOrEqual(2); // it keeps sweeping on its schedule
    await new Promise((r) => setTimeout(r, 50));
    expect(cutoffs.length).toBe(swept);
    expect(disabled.cutoffs).toEqual([]);
    await off.onApplicationShutdown();
  });
});
