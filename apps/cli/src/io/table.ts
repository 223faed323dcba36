import Table from 'cli-table3';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** This column shrinks (its cells cut with …) so the table fits the terminal; one per table. */
  flex?: boolean;
}

/**
 * A borderless table (cli-table3 handles the widths of coloured text and cuts long cells with …).
 * The flexible column takes what the terminal width leaves; the others keep their natural width.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], width: number, header: (text: string) => string = (s) => s): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const natural = columns.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i] ?? ''))) + 2);
  const flex = columns.findIndex((c) => c.flex);
  if (flex >= 0) {
    const others = natural.reduce((sum, w, i) => (i === flex ? sum : sum + w), 0);
    natural[flex] = Math.max(12, Math.min(natural[flex] ?? 12, width - others));
  }
  const table = new Table({
    head: columns.map((c) => header(c.header)),
    colWidths: natural,
    colAligns: columns.map((c) => c.align ?? 'left'),
    wordWrap: false,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '' },
  });
  table.push(...cells);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
