import type { Backend } from './storage-target';

/**
 * The few places where the repository's SQL differs between PostgreSQL and SQLite. Everything else
 * (ON CONFLICT DO NOTHING, WITH RECURSIVE, row-value comparisons) is written once.
 */
export interface SqlDialect {
  readonly backend: Backend;
  /** The placeholder of the i-th parameter (1-based). SQLite's `?` is positional: never reuse one. */
  param(i: number): string;
  /** The placeholder of a created_at value given as `YYYY-MM-DDTHH:MM:SS.ffffffZ` text. */
  timestamp(i: number): string;
  /** An expression for `<alias>.created_at` as that same text. */
  createdAt(alias: string): string;
  /** Largest number of bind parameters in one statement (PG 65535, SQLite 32766). */
  readonly maxParams: number;
  /** The smaller / larger of two values (SQLite's scalar min/max, PostgreSQL's LEAST/GREATEST). */
  least(a: string, b: string): string;
  greatest(a: string, b: string): string;
  /** An expression for a timestamp column as fixed-width ISO text with microseconds. */
  isoText(column: string): string;
  /** A table expression with one column `value`: the elements of the JSON array of strings given as parameter i. */
  jsonArray(i: number): string;
}

export const POSTGRES_DIALECT: SqlDialect = {
  backend: 'postgresql',
  param: (i) => `$${i}`,
  // timestamptz(6) keeps the microseconds; a JS Date would round them to milliseconds.
  timestamp: (i) => `$${i}::timestamptz`,
  createdAt: (a) => `to_char(${a}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  maxParams: 65_535,
  least: (a, b) => `LEAST(${a}, ${b})`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  isoText: (c) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  jsonArray: (i) => `jsonb_array_elements_text($${i}::jsonb) AS j(value)`,
};

export const SQLITE_DIALECT: SqlDialect = {
  backend: 'sqlite',
  param: () => '?',
  // Stored as fixed-width ISO text, so comparing text compares times.
  timestamp: () => '?',
  // CAST: a bare DATETIME column would come back from the adapter as a JS Date, cut to milliseconds.
  createdAt: (a) => `CAST(${a}.created_at AS TEXT)`,
  maxParams: 32_766,
  least: (a, b) => `min(${a}, ${b})`,
  greatest: (a, b) => `max(${a}, ${b})`,
  isoText: (c) => `CAST(${c} AS TEXT)`,
  jsonArray: () => 'json_each(?)',
};
