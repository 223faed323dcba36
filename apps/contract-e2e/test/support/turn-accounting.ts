import { faultTable, recordReport } from './run-report';
import type { SiteDatabase } from './site-database';

/**
 * The fault suite's closing count for one scenario (issue #7): every turn sent is stored once, or
 * dropped under a named reason. Turns are told apart by a marker in their request body, unique per
 * turn, so the count does not rely on any id the apps assign.
 */
export interface TurnCount {
  scenario: string;
  sent: number;
  /** Sent turns found in the database (each counted once however often it is there). */
  stored: number;
  /** Drop counters of the capture site's /metrics, summed over its restarts, by reason. */
  dropped: Record<string, number>;
  /** sent − stored − dropped: turns that vanished without a reason. Must be 0. */
  unexplained: number;
  /** Turn rows beyond one per sent turn (a turn stored twice, or a row nobody sent). Must be 0. */
  duplicates: number;
  /** rows / distinct request ids / distinct request bodies of the turns table. */
  ledger: { rows: number; distinctRequestIds: number; distinctRequestBodies: number };
}

/** The marker of turn `index` in `scenario`: fixed width, so no marker is a prefix of another. */
export function turnMarker(scenario: string, index: number): string {
  return `[e2e-fault ${scenario} #${String(index).padStart(4, '0')}]`;
}

/** The stored outcomes of each sent turn found in the database (more than one: stored twice). */
export async function storedMarkers(database: SiteDatabase, markers: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const row of await database.turnRows()) {
    for (const marker of markers) if (row.requestBody.includes(marker)) found.set(marker, [...(found.get(marker) ?? []), row.outcome]);
  }
  return found;
}

export async function countTurns(scenario: string, database: SiteDatabase, markers: readonly string[], dropped: Record<string, number>): Promise<TurnCount> {
  const found = await storedMarkers(database, markers);
  const ledger = await database.ledger();
  const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  return {
    scenario,
    sent: markers.length,
    stored: found.size,
    dropped,
    unexplained: markers.length - found.size - droppedTotal,
    duplicates: ledger.rows - found.size,
    ledger,
  };
}

/** Prints the scenario's line of the fault table and hands it to the run summary. */
export function reportCount(count: TurnCount, detail: string): void {
  console.log(`fault suite — ${detail}\n${faultTable([{ kind: 'fault', ...count, detail }])}`);
  recordReport({ kind: 'fault', scenario: count.scenario, sent: count.sent, stored: count.stored, dropped: count.dropped, unexplained: count.unexplained, duplicates: count.duplicates, detail });
}

/** Adds one scrape's drop counters to a running total (counters restart with the process). */
export function addDrops(total: Record<string, number>, scrape: Record<string, number>): Record<string, number> {
  for (const [reason, n] of Object.entries(scrape)) total[reason] = (total[reason] ?? 0) + n;
  return total;
}
