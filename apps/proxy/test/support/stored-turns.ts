import Database from 'better-sqlite3';
import pg from 'pg';
import type { StoredTurn, TurnStore } from '@tapes/storage';
import { eventually as waitFor } from '@tapes/testing';

/**
 * The request ids of every stored turn, oldest first, read straight from the `turns` table: the
 * proxy never tells the client a turn's id (the agent must not notice capture), and the store has
 * no "list turns" call. Each turn is then read back through the store itself (`readTurns`).
 */
export async function storedRequestIds(database: { sqliteFile: string } | { postgresUrl: string }): Promise<string[]> {
  if ('sqliteFile' in database) {
    const db = new Database(database.sqliteFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT request_id FROM turns ORDER BY created_at, id').all() as { request_id: string }[]).map((r) => r.request_id);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ request_id: string }>('SELECT request_id FROM turns ORDER BY created_at, id');
    return rows.map((r) => r.request_id);
  } finally {
    await client.end();
  }
}

/** Every stored turn with its bodies, through the store, oldest first. */
export async function readTurns(store: TurnStore, database: { sqliteFile: string } | { postgresUrl: string }): Promise<StoredTurn[]> {
  const turns: StoredTurn[] = [];
  for (const id of await storedRequestIds(database)) {
    const turn = await store.getTurn(id);
    if (turn) turns.push(turn);
  }
  return turns;
}

/**
 * Resolves once `check` returns a value (not undefined) — for effects that happen after the
 * response (storing a turn). A wait for an outcome, never a timing assertion: on a loaded machine
 * the storage thread may lag seconds behind (#10), so the only bound is a generous one just
 * below the suite's test timeout, there to name what was awaited.
 */
/** Just below the proxy suites' 60 s test timeout (jest.config.cjs). */
const EVENTUALLY_MS = 50_000;

export function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what = 'condition'): Promise<T> {
  return waitFor(what, check, { timeoutMs: EVENTUALLY_MS, intervalMs: 20 });
}

/** One sample of a Prometheus text exposition, by metric name and (a subset of) labels. */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const labelText = open === -1 ? '' : line.slice(open + 1, close);
    const have = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
  }
  return found ? total : 0;
}
