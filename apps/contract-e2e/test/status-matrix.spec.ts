import { describeExpectation, SITES, STATUS_CASES, type Site } from './status-cases';
import { formatTable, recordReport } from './support/run-report';
import { StatusSites } from './support/status-sites';

/**
 * The status/outcome table of status-cases.ts, run against the three apps as processes: for each
 * case and site, the client-visible answer and what became of the turn must be what the table
 * says. The table is printed at the end, one line per case.
 */

let sites: StatusSites;

beforeAll(async () => {
  sites = await StatusSites.start();
}, 120_000);

afterAll(async () => {
  const header = ['case', 'proxy', 'sidecar → ingest', 'ingest'];
  const rows = STATUS_CASES.map((c) => [c.name, ...SITES.map((site) => describeExpectation(c[site]))]);
  const notes = [...new Set(STATUS_CASES.flatMap((c) => SITES.flatMap((site) => c[site].divergence ?? [])))];
  console.log(`status/outcome matrix: ${STATUS_CASES.length} cases × ${SITES.length} sites\n${formatTable(header, rows)}${notes.map((n) => `\n† ${n}`).join('')}`);
  recordReport({ kind: 'status-matrix', header, rows });
  await sites?.dispose();
}, 60_000);

it.each(STATUS_CASES.map((c, index) => ({ ...c, index })))('$name', async (statusCase) => {
  const observed = await sites.run(statusCase, `e2e-status:${statusCase.index}`);
  const expected = Object.fromEntries(SITES.map((site) => [site, { client: statusCase[site].client, fate: statusCase[site].fate }])) as Record<Site, unknown>;
  expect(observed).toEqual(expected);
}, 90_000);
