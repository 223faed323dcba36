import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface TestSqlite {
  /** The temporary directory holding the database (and its -wal / -shm files). */
  dir: string;
  /** Absolute path of the database file; it does not exist until something opens it. */
  path: string;
  /** `file:<path>`, accepted by openStorage like the path itself. */
  url: string;
  /** Removes the directory and everything in it. Safe to call twice. */
  cleanup(): void;
}

/** A SQLite database file in a fresh temp directory (style: "SQLite is a temp file"). */
export function createTestSqlite(name = 'tapes.db'): TestSqlite {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapes-sqlite-'));
  const file = path.join(dir, name);
  return {
    dir,
    path: file,
    url: `file:${file}`,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface SqliteWriteLock {
  /** Ends the transaction and closes the connection. Safe to call twice. */
  release(): void;
}

/**
 * Holds SQLite's write lock from a separate connection (`BEGIN IMMEDIATE`), as another process
 * writing would: until `release()`, every write from a store waits its busy timeout and then fails
 * (the store reports StorageUnavailableError, reason `timeout`). Reads still work (WAL).
 * better-sqlite3 waits synchronously, so keep the store's busyTimeoutMs short in such tests.
 */
export function lockSqliteForWrites(file: string): SqliteWriteLock {
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
