import type { EnvAlias } from './env-aliases';

/** One row of the settings table in docs/configuration.md. */
export interface ConfigTableRow {
  /** The setting's environment name. */
  name: string;
  /** The apps that read it (proxy, ingest, sidecar). */
  apps: string[];
  /** Its deprecated names, still accepted. */
  aliases: string[];
  /** 1-based line in the document. */
  line: number;
}

const APPS = ['proxy', 'ingest', 'sidecar'] as const;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').trim());

/**
 * The rows of the one settings table: the table whose header starts `| Setting | Apps |` and
 * whose last column lists deprecated names. A setting is the first code span of its row.
 */
export function readConfigTable(markdown: string): ConfigTableRow[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^\|\s*Setting\s*\|\s*Apps\s*\|/i.test(l.trim()));
  if (start < 0) return [];
  const rows: ConfigTableRow[] = [];
  for (let i = start + 2; i < lines.length && (lines[i] ?? '').trim().startsWith('|'); i++) {
    const row = cells(lines[i] ?? '');
    const name = codeSpans(row[0] ?? '')[0] ?? (row[0] ?? '');
    const apps = APPS.filter((app) => new RegExp(`\\b${app}\\b`).test(row[1] ?? ''));
    const aliases = codeSpans(row.at(-1) ?? '').filter((n) => ENV_NAME.test(n));
    rows.push({ name, apps, aliases, line: i + 1 });
  }
  return rows;
}

/**
 * What is wrong between the table and one app's settings: a setting the app reads that the table
 * does not list for it, a row that lists the app for a setting it does not read, a deprecated name
 * the app accepts that its row does not name, a row that names no app, a setting listed twice.
 * Empty when they agree. `settings`: the environment names the app's schemas read (deprecated ones
 * the schema still reads itself, `kept` aliases, are not settings of their own).
 */
export function configTableProblems(rows: readonly ConfigTableRow[], app: string, settings: Iterable<string>, aliases: readonly EnvAlias[] = []): string[] {
  const problems: string[] = [];
  if (!rows.length) return ['docs/configuration.md has no settings table (a header row starting "| Setting | Apps |")'];
  const byName = new Map<string, ConfigTableRow>();
  for (const row of rows) {
    if (!ENV_NAME.test(row.name)) problems.push(`line ${row.line}: "${row.name}" is not an environment name in backticks`);
    if (byName.has(row.name)) problems.push(`line ${row.line}: ${row.name} is listed twice`);
    byName.set(row.name, row);
    if (!row.apps.length) problems.push(`line ${row.line}: ${row.name} names no app (proxy, ingest or sidecar)`);
  }
  const kept = new Set(aliases.filter((a) => a.unit === 'kept').map((a) => a.old));
  const names = new Set([...settings].filter((n) => !kept.has(n)));
  for (const name of names) {
    const row = byName.get(name);
    if (!row) problems.push(`${name}, a setting of ${app}, is not in the table`);
    else if (!row.apps.includes(app)) problems.push(`line ${row.line}: ${name} is a setting of ${app}, but its row does not list ${app}`);
  }
  for (const row of rows) {
    if (row.apps.includes(app) && !names.has(row.name)) problems.push(`line ${row.line}: the table lists ${row.name} for ${app}, which ${app} does not read`);
  }
  for (const alias of aliases) {
    const row = byName.get(alias.name);
    if (row && !row.aliases.includes(alias.old)) problems.push(`line ${row.line}: ${alias.old}, a deprecated name of ${alias.name} in ${app}, is not in its row`);
  }
  const ours = new Set(aliases.map((a) => `${a.name} ${a.old}`));
  for (const row of rows) {
    if (row.apps.length === 1 && row.apps[0] === app) {
      for (const old of row.aliases) if (!ours.has(`${row.name} ${old}`)) problems.push(`line ${row.line}: the table names ${old} as a deprecated name of ${row.name}, which ${app} does not accept`);
    }
  }
  return problems;
}
