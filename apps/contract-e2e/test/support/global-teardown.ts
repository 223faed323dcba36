import { rmSync } from 'node:fs';
import { faultTable, formatTable, readReports, RUN_DIR_ENV } from './run-report';

/** Prints the run's summary (matrix sizes, status table, fault counts) in one place. */
export default function globalTeardown(): void {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir) return;
  const reports = readReports(dir);
  rmSync(dir, { recursive: true, force: true });
  const lines: string[] = [];
  for (const r of reports) {
    if (r.kind === 'capture-matrix') {
      const columns = Object.entries(r.perColumn).map(([c, n]) => `${c} ${n}`).join(', ');
      lines.push(`capture matrix: ${r.rows} rows × ${r.columns} columns = ${r.cells} cells; ${r.run} run (${columns}), ${r.notApplicable} not applicable`);
    }
  }
  const status = reports.find((r) => r.kind === 'status-matrix');
  if (status?.kind === 'status-matrix') lines.push(`status/outcome matrix (${status.rows.length} cases × 3 sites):`, formatTable(status.header, status.rows));
  // Files finish in any order; the table is sorted so runs compare line by line.
  const faults = reports.flatMap((r) => (r.kind === 'fault' ? [r] : [])).sort((a, b) => a.scenario.localeCompare(b.scenario));
  if (faults.length > 0) lines.push('fault suite (real processes, real PostgreSQL):', faultTable(faults));
  if (lines.length > 0) console.log(`\n== contract-e2e summary ==\n${lines.join('\n')}\n`);
}
