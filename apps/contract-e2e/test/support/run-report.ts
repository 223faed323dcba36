import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What the suites report for the run's closing summary (printed by the global teardown): the
 * capture-matrix size, the status table, and the fault suite's counts. Each test file appends
 * lines to a file in the run folder the global setup made, so the summary spans every file
 * whatever worker ran it.
 */
export const RUN_DIR_ENV = 'TAPES_E2E_RUN_DIR';

export type ReportEntry =
  | { kind: 'capture-matrix'; rows: number; columns: number; cells: number; run: number; notApplicable: number; perColumn: Record<string, number> }
  | { kind: 'status-matrix'; header: string[]; rows: string[][] }
  | { kind: 'fault'; scenario: string; sent: number; stored: number; dropped: Record<string, number>; unexplained: number; duplicates: number; detail: string };

const REPORT_FILE = 'report.jsonl';

export function recordReport(entry: ReportEntry): void {
  const dir = process.env[RUN_DIR_ENV];
  if (dir) appendFileSync(path.join(dir, REPORT_FILE), `${JSON.stringify(entry)}\n`);
}

export function readReports(dir: string): ReportEntry[] {
  const file = path.join(dir, REPORT_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ReportEntry);
}

/** A plain-text table with aligned columns (what the suites print). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function faultTable(entries: readonly Extract<ReportEntry, { kind: 'fault' }>[]): string {
  const dropped = (d: Record<string, number>) =>
    Object.entries(d)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ') || '0';
  return formatTable(
    ['scenario', 'sent', 'stored', 'dropped (reason)', 'unexplained', 'duplicates'],
    entries.map((e) => [e.scenario, String(e.sent), String(e.stored), dropped(e.dropped), String(e.unexplained), String(e.duplicates)]),
  );
}
