import type { RederiveResult } from '@tapes/storage';

/** What a `tapes rederive` run found: the tallies and every changed turn (its --json output). */
export interface RederiveReport {
  dry_run: boolean;
  since: string | null;
  /** Turns looked at in this run (a resumed run starts after its checkpoint). */
  scanned: number;
  changed: number;
  unchanged: number;
  failed: number;
  /** `partial → complete`: how many turns moved between outcomes. */
  outcomes: Record<string, number>;
  /** Turns whose head hash changed (their conversation's nodes were re-derived differently). */
  head_changes: number;
  /** Turns stored before sessions existed that now have a session (session_id was NULL). */
  backfilled: number;
  /** Turns that moved to another session (e.g. `root:<hash>` → the harness's own id). */
  session_changes: number;
  turns: Array<{ turn_id: string; changed: string[]; before: RederiveResult['before']; after: RederiveResult['after'] }>;
  errors: Array<{ turn_id: string; message: string }>;
  /** Set when the run resumed from a checkpoint. */
  resumed_after?: string;
}

export function emptyReport(dryRun: boolean, since: Date | undefined): RederiveReport {
  return { dry_run: dryRun, since: since?.toISOString() ?? null, scanned: 0, changed: 0, unchanged: 0, failed: 0, outcomes: {}, head_changes: 0, backfilled: 0, session_changes: 0, turns: [], errors: [] };
}

export function tally(report: RederiveReport, result: RederiveResult): void {
  report.scanned += 1;
  if (result.status === 'unchanged') {
    report.unchanged += 1;
    return;
  }
  report.changed += 1;
  const { before, after } = result;
  if (before.outcome !== after.outcome) {
    const key = `${before.outcome} → ${after.outcome}`;
    report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
  }
  if (before.headHash !== after.headHash) report.head_changes += 1;
  if (before.sessionId === null && after.sessionId !== null) report.backfilled += 1;
  else if (before.sessionId !== after.sessionId) report.session_changes += 1;
  report.turns.push({ turn_id: result.turnId, changed: result.changed, before, after });
}
