import { decodeQueryCursor, encodeQueryCursor } from './query-cursor';
import type { SqlDialect } from './sql-dialect';
import type { Queryable } from './session-queries';
import { fromColumn, toColumn } from './column-text';
import { iso } from './session-queries';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type SearchHit } from './turn-store';

/**
 * The full-text index over `turn_text` (#14). It lives outside the Prisma models and migrations —
 * neither an FTS5 virtual table nor an expression GIN index can be described there, and the
 * migration drift check would then fail — and is created (idempotently) when a store opens:
 *  - SQLite: an FTS5 table with `turn_text` as external content, kept in step by triggers;
 *    rebuilt from `turn_text` when it is first created (rows written before it existed).
 *  - PostgreSQL: a stored generated `tsv` column, `to_tsvector('simple', text)` (no stemming: code
 *    and names), with a GIN index on it. Stored, because ranking reads each match's vector: parsing
 *    every matching text again made a common word cost seconds on 10,000 turns.
 */
export async function ensureSearchIndex(db: Queryable & { $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> }, d: SqlDialect): Promise<void> {
  if (d.backend === 'postgresql') {
    // Checked first: ALTER TABLE takes an exclusive lock even when the column already exists.
    const have = await db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'turn_text' AND column_name = 'tsv'`);
    for (const statement of [
      ...(Number(have[0]?.n ?? 0) === 0 ? [`ALTER TABLE turn_text ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED`] : []),
      `CREATE INDEX IF NOT EXISTS turn_text_tsv_idx ON turn_text USING GIN (tsv)`,
      // The expression index of the first sessions build, superseded by the column's.
      `DROP INDEX IF EXISTS turn_text_search_idx`,
    ]) {
      try {
        await db.$executeRawUnsafe(statement);
      } catch (error) {
        // Replicas starting together race on the catalog; the column and index exist either way.
        if (!/already exists|duplicate key|does not exist/i.test(String((error as Error).message))) throw error;
      }
    }
    return;
  }
  const existed = await db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'turn_text_fts'`);
  await db.$executeRawUnsafe(`CREATE VIRTUAL TABLE IF NOT EXISTS turn_text_fts USING fts5(text, content='turn_text', content_rowid='rowid', tokenize='unicode61')`);
  await db.$executeRawUnsafe(`CREATE TRIGGER IF NOT EXISTS turn_text_fts_insert AFTER INSERT ON turn_text BEGIN
      INSERT INTO turn_text_fts(rowid, text) VALUES (new.rowid, new.text); END`);
  await db.$executeRawUnsafe(`CREATE TRIGGER IF NOT EXISTS turn_text_fts_delete AFTER DELETE ON turn_text BEGIN
      INSERT INTO turn_text_fts(turn_text_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END`);
  if (Number(existed[0]?.n ?? 0) === 0) await db.$executeRawUnsafe(`INSERT INTO turn_text_fts(turn_text_fts) VALUES ('rebuild')`);
}

/** The words of a user's query, as the index sees them (quotes and operators are not syntax here). */
function terms(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}_]+/u)
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .slice(0, 16);
}

/**
 * The WHERE condition on `turn_text tt` for a user's query (every word must occur), or undefined
 * when the query has no words. `p` adds a parameter and returns its placeholder.
 */
export function searchMatchSql(d: SqlDialect, text: string, p: (value: unknown) => string): string | undefined {
  const words = terms(text);
  if (words.length === 0) return undefined;
  if (d.backend === 'postgresql') return `tt.tsv @@ plainto_tsquery('simple', ${p(words.join(' '))})`;
  return `tt.rowid IN (SELECT rowid FROM turn_text_fts WHERE turn_text_fts MATCH ${p(ftsQuery(words))})`;
}

/** FTS5 query syntax for plain words: each quoted (a word is never an operator), all required. */
function ftsQuery(words: string[]): string {
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

/** PostgreSQL: how many of a query's newest matches are ranked (and so paged through). */
const RANKED_MATCHES = 1000;

interface HitRow {
  turn_id: string;
  session_id: string | null;
  snippet: string;
  started_at: string | null;
}

/** Search hits, best first: the turn, its session and a snippet with the matches in `[` `]`. */
export async function searchTurns(db: Queryable, d: SqlDialect, text: string, options: { limit?: number; cursor?: string; session?: string }): Promise<Page<SearchHit>> {
  const words = terms(text);
  if (words.length === 0) return { items: [] };
  const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.limit ?? DEFAULT_PAGE_SIZE)));
  // Relevance order is not a keyset order: the cursor is the offset reached.
  const offset = options.cursor ? Number(decodeQueryCursor(options.cursor, 'search').k) : 0;
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return d.param(params.length);
  };
  let sql: string;
  if (d.backend === 'postgresql') {
    // Numbered placeholders may repeat: the one tsquery serves the filter, the rank and the snippet.
    // The matches are found first, through the GIN index, and only then joined and ranked: left to
    // itself the planner may walk every turn and test each one's text (stale statistics after a
    // burst of writes made it do so: 600 ms instead of 15 ms on 3,000 turns). A word found in
    // thousands of turns is ranked among its newest RANKED_MATCHES only.
    const q = `plainto_tsquery('simple', ${p(words.join(' '))})`;
    const session = options.session === undefined ? '' : `AND tt.session_id = ${p(toColumn(options.session))}`;
    sql = `WITH matched AS MATERIALIZED (
             SELECT tt.turn_id FROM turn_text tt WHERE tt.tsv @@ ${q} ${session}),
           hits AS MATERIALIZED (
             SELECT m.turn_id, t.started_at FROM matched m JOIN turns t ON t.id = m.turn_id
              ORDER BY t.started_at DESC NULLS LAST, m.turn_id LIMIT ${RANKED_MATCHES})
           SELECT h.turn_id, tt.session_id, ${d.isoText('h.started_at')} AS started_at, tt.text AS snippet
             FROM hits h JOIN turn_text tt ON tt.turn_id = h.turn_id
            ORDER BY ts_rank(tt.tsv, ${q}) DESC, h.started_at DESC, h.turn_id
            LIMIT ${p(limit + 1)} OFFSET ${p(offset)}`;
  } else {
    // SQLite placeholders are positional: they are added in the order they appear.
    const match = p(ftsQuery(words));
    const session = options.session === undefined ? '' : `AND tt.session_id = ${p(toColumn(options.session))}`;
    sql = `SELECT tt.turn_id, tt.session_id, ${d.isoText('t.started_at')} AS started_at,
                  snippet(turn_text_fts, 0, '[', ']', '…', 24) AS snippet
             FROM turn_text_fts JOIN turn_text tt ON tt.rowid = turn_text_fts.rowid JOIN turns t ON t.id = tt.turn_id
            WHERE turn_text_fts MATCH ${match} ${session}
            ORDER BY rank, t.started_at DESC, tt.turn_id
            LIMIT ${p(limit + 1)} OFFSET ${p(offset)}`;
  }
  const rows = await db.$queryRawUnsafe<HitRow[]>(sql, ...params);
  // PostgreSQL hands back the whole text: its snippet is cut here (ts_headline parses every text
  // again and cost half a second per page of a common word).
  const cut = (text: string) => (d.backend === 'postgresql' ? snippetOf(text, words) : text);
  const items = rows.slice(0, limit).map((r) => ({ turnId: r.turn_id, sessionId: fromColumn(r.session_id), snippet: cut(r.snippet), startedAt: iso(r.started_at) }));
  return rows.length > limit ? { items, nextCursor: encodeQueryCursor({ s: 'search', k: offset + limit, i: '' }) } : { items };
}

/** Words either side of the first match a snippet keeps (SQLite's snippet() is asked for 24 tokens). */
const SNIPPET_WORDS = 12;

/**
 * The first match of any query word with the words around it, matches in `[` `]`, `…` where the
 * text goes on: the shape SQLite's FTS5 snippet() gives, so both backends answer alike. Words are
 * compared as the index tokenises them ('simple': lower-cased, split on anything not a letter,
 * digit or underscore).
 */
export function snippetOf(text: string, words: string[]): string {
  const wanted = new Set(words.map((w) => w.toLowerCase()));
  const tokens = [...text.matchAll(/[\p{L}\p{N}_]+/gu)];
  const first = tokens.findIndex((t) => wanted.has(t[0].toLowerCase()));
  if (first < 0) return text.slice(0, 200);
  const from = Math.max(0, first - SNIPPET_WORDS);
  const to = Math.min(tokens.length - 1, first + SNIPPET_WORDS);
  const start = tokens[from]?.index ?? 0;
  const last = tokens[to];
  const end = last ? (last.index ?? 0) + last[0].length : text.length;
  let out = '';
  let at = start;
  for (let i = from; i <= to; i++) {
    const t = tokens[i]!;
    const index = t.index ?? 0;
    out += text.slice(at, index);
    out += wanted.has(t[0].toLowerCase()) ? `[${t[0]}]` : t[0];
    at = index + t[0].length;
  }
  return `${start > 0 ? '…' : ''}${out}${end < text.length ? '…' : ''}`.replace(/\s+/g, ' ');
}
