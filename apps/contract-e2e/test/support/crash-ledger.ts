import { formatTable, recordReport } from './run-report';

/**
 * The kill -9 scenarios' ledger (issue #12): what each agent saw, against what the database holds
 * after the crashed site was restarted and had delivered its journal.
 *
 * - A turn whose response **completed to the client** (the agent has the whole answer; through
 *   Envoy: the final CONTINUE arrived) must be stored, exactly once. Anything else is `lost`.
 * - A turn **cut** by the crash (the agent saw its response begin, then break) is stored
 *   (`partial`, or `complete` when its terminal event was captured before the kill), or counted by
 *   the restarted site under a drop reason (`process_crash`: the in-flight mark its journal kept —
 *   written before the response began). Cut turns the counters do not cover are `unexplained`.
 * - An **unanswered** turn (the connection broke before any response) may not have reached
 *   capture at all; it is stored, counted, or nothing — the agent saw the failure. The counters
 *   must not count more than the cut and unanswered turns not stored (`overcounted`).
 * - A **refused** turn was sent after the kill (connection refused): there was no one to see it.
 * - No turn is stored twice (`duplicates`).
 */
export type ClientFate = 'completed' | 'cut' | 'unanswered' | 'refused';

export interface CrashLedger {
  scenario: string;
  sent: number;
  completed: number;
  completedStored: number;
  /** Completed to the client, not in the database. Must be 0. */
  lost: number;
  cut: number;
  cutStoredPartial: number;
  /** Cut turns stored with a `complete` outcome: the whole response had been captured before the crash. */
  cutStoredComplete: number;
  unanswered: number;
  unansweredStored: number;
  refused: number;
  /** Drop counters of the restarted site, by reason (in-flight exchanges the crash ended). */
  dropped: Record<string, number>;
  /** Cut turns neither stored nor covered by a drop counter. Must be 0. */
  unexplained: number;
  /** Drops counted beyond the cut and unanswered turns not stored. Must be 0. */
  overcounted: number;
  /** Rows beyond one per stored turn. Must be 0. */
  duplicates: number;
  /** The moment of the kill: how many agents had their whole answer then. */
  killedAfter: number;
}

export function crashLedger(
  scenario: string,
  fates: readonly ClientFate[],
  stored: ReadonlyMap<number, readonly string[]>,
  rows: number,
  dropped: Record<string, number>,
  killedAfter: number,
): CrashLedger {
  const outcomes = (i: number) => stored.get(i) ?? [];
  const of = (fate: ClientFate) => fates.map((f, i) => (f === fate ? i : -1)).filter((i) => i >= 0);
  const completed = of('completed');
  const cut = of('cut');
  const unanswered = of('unanswered');
  const completedStored = completed.filter((i) => outcomes(i).length > 0).length;
  const cutNotStored = cut.filter((i) => outcomes(i).length === 0).length;
  const unansweredNotStored = unanswered.filter((i) => outcomes(i).length === 0).length;
  const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  const storedTurns = fates.filter((_, i) => outcomes(i).length > 0).length;
  return {
    scenario,
    sent: fates.length,
    completed: completed.length,
    completedStored,
    lost: completed.length - completedStored,
    cut: cut.length,
    cutStoredPartial: cut.filter((i) => outcomes(i).some((o) => o !== 'complete')).length,
    cutStoredComplete: cut.filter((i) => outcomes(i).length > 0 && outcomes(i).every((o) => o === 'complete')).length,
    unanswered: unanswered.length,
    unansweredStored: unanswered.filter((i) => outcomes(i).length > 0).length,
    refused: of('refused').length,
    dropped,
    unexplained: Math.max(0, cutNotStored - droppedTotal),
    overcounted: Math.max(0, droppedTotal - cutNotStored - unansweredNotStored),
    duplicates: rows - storedTurns,
    killedAfter,
  };
}

/** Prints the ledger (one table) and hands its line to the run summary's fault table. */
export function reportCrashLedger(ledger: CrashLedger): void {
  const drops =
    Object.entries(ledger.dropped)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ') || '0';
  const table = formatTable(
    ['sent', 'completed to client', 'of them stored', 'lost', 'cut', 'cut: stored partial', 'cut: stored complete', 'unanswered', 'refused', 'dropped (reason)', 'unexplained', 'duplicates'],
    [
      [
        String(ledger.sent),
        String(ledger.completed),
        String(ledger.completedStored),
        String(ledger.lost),
        String(ledger.cut),
        String(ledger.cutStoredPartial),
        String(ledger.cutStoredComplete),
        `${ledger.unanswered}${ledger.unansweredStored ? ` (${ledger.unansweredStored} stored)` : ''}`,
        String(ledger.refused),
        drops,
        String(ledger.unexplained),
        String(ledger.duplicates),
      ],
    ],
  );
  console.log(`fault suite — ${ledger.scenario}: SIGKILL after ${ledger.killedAfter} answers\n${table}`);
  const stored = ledger.completedStored + ledger.cutStoredPartial + ledger.cutStoredComplete + ledger.unansweredStored;
  const counted = Object.values(ledger.dropped).reduce((a, b) => a + b, 0);
  // In the run summary's fault table: turns that never reached capture (refused, or unanswered and
  // not marked) are listed as such, so sent = stored + dropped there too.
  const neverCaptured = ledger.sent - stored - counted - ledger.lost - ledger.unexplained;
  recordReport({
    kind: 'fault',
    scenario: ledger.scenario,
    sent: ledger.sent,
    stored,
    dropped: { ...ledger.dropped, ...(neverCaptured > 0 ? { 'never reached capture': neverCaptured } : {}) },
    unexplained: ledger.unexplained + ledger.lost + ledger.overcounted,
    duplicates: ledger.duplicates,
    detail: `${ledger.completed} completed to the client, ${ledger.completedStored} of them stored; ${ledger.cut} cut by the kill`,
  });
}
