import { createDefaultReducers } from '@tapes/capture';
import { backfillSessions, rederiveStoredTurn } from '../src';
import { turnStoredBeforeSessions } from '../src/testing';
import { backends, suiteStore } from './support';

const reducers = createDefaultReducers();

describe.each(backends)('backfillSessions (#14) on $name', ({ create }) => {
  const suite = suiteStore(create);

  it('gives every turn stored before sessions existed its session from its raw bytes, walks them in pages, and has nothing left to do the second time', async () => {
    const session = '0d6f1c2e-1111-4a5b-9c8d-123456789abc';
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await suite.store.storeTurn(await turnStoredBeforeSessions(`req-bf-${i}`, session, `2026-10-01T10:0${i}:00.000Z`))).turnId);
    // One already has its session (`tapes rederive` ran on it): the backfill leaves it alone.
    const current = ids.pop()!;
    expect(await rederiveStoredTurn(suite.store, current, reducers)).toMatchObject({ status: 'changed', after: { sessionId: session } });
    expect(await suite.store.listTurnIds({ withoutSession: true })).toEqual(ids);
    expect((await suite.store.getSession(session))?.turnCount).toBe(1);

    const report = await backfillSessions(suite.store, reducers, { pageSize: 2 });
    expect(report).toEqual({ scanned: 5, backfilled: 5, failed: 0 });
    expect(await suite.store.listTurnIds({ withoutSession: true })).toEqual([]);
    expect(await suite.store.getSession(session)).toMatchObject({ turnCount: 6, outcomes: { complete: 6, partial: 0, unreduced: 0 } });
    for (const id of [...ids, current]) expect(await suite.store.getTurn(id)).toMatchObject({ sessionId: session, outcome: 'complete', harnessId: 'claude' });

    expect(await backfillSessions(suite.store, reducers)).toEqual({ scanned: 0, backfilled: 0, failed: 0 });
  });

  it('stops between turns when asked to, and the next run does the rest', async () => {
    const session = '1d6f1c2e-2222-4a5b-9c8d-123456789abc';
    for (let i = 0; i < 3; i++) await suite.store.storeTurn(await turnStoredBeforeSessions(`req-ab-${i}`, session, `2026-10-02T10:0${i}:00.000Z`));
    const stop = new AbortController();
    stop.abort();
    expect(await backfillSessions(suite.store, reducers, { signal: stop.signal })).toEqual({ scanned: 0, backfilled: 0, failed: 0 });
    expect(await suite.store.listTurnIds({ withoutSession: true })).toHaveLength(3);
    expect(await backfillSessions(suite.store, reducers)).toEqual({ scanned: 3, backfilled: 3, failed: 0 });
    expect((await suite.store.getSession(session))?.turnCount).toBe(3);
  });
});
