import { gzipSync } from 'node:zlib';
import { TURN_APIS } from '@tapes/capture';
import { readFixture, TURN_FIXTURES } from '@tapes/testing';
import { columnApplies, startCaptureColumns, type CaptureColumn, type CaptureColumns, type ColumnId, type MatrixRow } from './support/capture-columns';
import { nodeIdentity, offlineTurn } from './support/offline-truth';
import { recordReport } from './support/run-report';

/**
 * The capture matrix (issue #7): every turn fixture of every provider — streamed and one-shot,
 * complete and partial — plain and gzip-encoded, through every capture site, each storing into
 * its own database. Every cell checks the stored turn against the offline truth (libs/capture +
 * libs/merkle on the same bytes, no app involved): the head hash, the whole chain from the head
 * with each node's bucket, parent, stop reason and usage, the outcome and diagnostics, and the
 * request and response bytes as sent. Equal to one truth, the sites are equal to each other.
 */

const ENCODINGS = [
  { encoding: 'identity', encode: (body: Buffer) => body },
  { encoding: 'gzip', encode: (body: Buffer) => gzipSync(body) },
] as const;

const ROWS: MatrixRow[] = TURN_FIXTURES.flatMap((fixture) =>
  ENCODINGS.map(({ encoding, encode }) => {
    const plain = readFixture(fixture.responseFile);
    return {
      name: `${fixture.name} (${encoding})`,
      fixture,
      encoding,
      agent: `e2e-matrix:${fixture.name}:${encoding}`,
      request: Buffer.from(JSON.stringify(fixture.request), 'utf8'),
      plain,
      wire: encode(plain),
    };
  }),
);

const COLUMN_IDS: ColumnId[] = ['proxy', 'sidecar', 'sidecar-observability', 'ingest-raw', 'ingest-parsed'];

let world: CaptureColumns;
const cellsRun = new Map<ColumnId, number>();

beforeAll(async () => {
  world = await startCaptureColumns();
}, 120_000);

afterAll(async () => {
  const run = [...cellsRun.values()].reduce((a, b) => a + b, 0);
  const cells = ROWS.length * COLUMN_IDS.length;
  const notApplicable = cells - ROWS.reduce((n, row) => n + COLUMN_IDS.filter((id) => columnApplies(id, row)).length, 0);
  console.log(`capture matrix: ${ROWS.length} rows × ${COLUMN_IDS.length} columns = ${cells} cells; ${run} run, ${notApplicable} not applicable (the parsed form needs a one-shot, complete, unencoded body)`);
  recordReport({ kind: 'capture-matrix', rows: ROWS.length, columns: COLUMN_IDS.length, cells, run, notApplicable, perColumn: Object.fromEntries(cellsRun) });
  await world?.dispose();
}, 60_000);

function column(id: ColumnId): CaptureColumn {
  const found = world.columns.find((c) => c.id === id);
  if (!found) throw new Error(`no column ${id}`);
  return found;
}

it('covers every provider API, streamed and one-shot, complete and partial, in both encodings', () => {
  expect(new Set(ROWS.map((r) => r.fixture.api))).toEqual(new Set(TURN_APIS));
  for (const flag of [true, false]) {
    expect(ROWS.some((r) => r.fixture.streamed === flag)).toBe(true);
    expect(ROWS.some((r) => r.fixture.complete === flag)).toBe(true);
  }
  expect(ROWS).toHaveLength(TURN_FIXTURES.length * ENCODINGS.length);
});

describe.each(ROWS)('$name', (row) => {
  const truth = offlineTurn(row.fixture, row.plain, row.agent);

  it.each(COLUMN_IDS.filter((id) => columnApplies(id, row)))('%s stores the offline head, chain, outcome and bytes', async (id) => {
    const site = column(id);
    await site.capture(row);
    cellsRun.set(id, (cellsRun.get(id) ?? 0) + 1);

    const turns = await site.database.turnsOfAgent(row.agent);
    expect(turns).toHaveLength(1);
    const turn = turns[0]!;
    expect(turn.captureSite).toBe(site.site);
    expect(turn.provider).toBe(row.fixture.provider);
    expect({ outcome: turn.outcome, diagnostics: turn.diagnostics.map((d) => d.code).sort() }).toEqual({ outcome: truth.outcome, diagnostics: truth.diagnostics });
    expect(turn.headHash).toBe(truth.nodes.at(-1)?.hash ?? null);
    if (turn.headHash) expect((await site.database.chain(turn.headHash)).map(nodeIdentity)).toEqual(truth.nodes.map(nodeIdentity));

    expect(Buffer.from(turn.requestBody ?? []).equals(row.request)).toBe(true);
    if (site.stores === 'wire bytes') {
      expect(Buffer.from(turn.responseBody ?? []).equals(row.wire)).toBe(true);
      expect(turn.responseContentEncoding).toBe(row.encoding === 'gzip' ? 'gzip' : undefined);
    } else {
      expect(JSON.parse(Buffer.from(turn.responseBody ?? []).toString('utf8'))).toEqual(JSON.parse(row.plain.toString('utf8')));
    }
  });
});
