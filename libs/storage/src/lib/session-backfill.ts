import { toTurnRecord, type Reducer } from '@tapes/capture';
import { InvalidTurnError } from './errors';
import { storedTurnToCaptured } from './stored-turn-capture';
import type { RederiveResult } from './turn-rederive';
import type { TurnStore } from './turn-store';

/**
 * One stored turn re-derived from its raw bytes with `reducers` (libs/capture toTurnRecord over the
 * turn rebuilt by storedTurnToCaptured) and its derivation replaced where it differs
 * (TurnStore.rederiveTurn). Null when the turn is gone (retention, a deleted session).
 * `tapes rederive` runs it over every turn; {@link backfillSessions} over the turns without a session.
 */
export async function rederiveStoredTurn(store: TurnStore, turnId: string, reducers: readonly Reducer[], options: { dryRun?: boolean } = {}): Promise<RederiveResult | null> {
  const stored = await store.getTurn(turnId, { bodies: true });
  if (!stored) return null;
  const { record } = await toTurnRecord(storedTurnToCaptured(stored), { reducers });
  return store.rederiveTurn(turnId, record, options);
}

export interface SessionBackfillReport {
  /** Turns without a session that were looked at. */
  scanned: number;
  /** Of them, turns that now belong to a session. */
  backfilled: number;
  /** Turns the store refused to re-derive (left as they were). */
  failed: number;
}

/**
 * Gives the turns stored before sessions existed (#14: session_id null) their session, thread and
 * harness, re-derived from the raw request headers and bodies they were stored with — so nothing
 * captured before is orphaned from the sessions list. The apps run it in the background once their
 * store is open; each turn is one transaction, so a stop halfway leaves whole turns and the next
 * start goes on with the rest. A turn that still has no session (one with no nodes: nothing to
 * group it by) is looked at again on every start, and costs one read.
 */
export async function backfillSessions(store: TurnStore, reducers: readonly Reducer[], options: { signal?: AbortSignal; pageSize?: number } = {}): Promise<SessionBackfillReport> {
  const report: SessionBackfillReport = { scanned: 0, backfilled: 0, failed: 0 };
  const limit = options.pageSize ?? 200;
  let after: string | undefined;
  for (;;) {
    if (options.signal?.aborted) return report;
    const page = await store.listTurnIds({ withoutSession: true, limit, ...(after ? { after } : {}) });
    for (const id of page) {
      if (options.signal?.aborted) return report;
      report.scanned += 1;
      try {
        const result = await rederiveStoredTurn(store, id, reducers);
        if (result?.after.sessionId) report.backfilled += 1;
      } catch (err) {
        // A turn the store refuses stays as it was; anything else (storage gone) ends the run.
        if (!(err instanceof InvalidTurnError)) throw err;
        report.failed += 1;
      }
    }
    if (page.length < limit) return report;
    after = page[page.length - 1];
  }
}
