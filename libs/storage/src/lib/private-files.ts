import fs from 'node:fs';
import path from 'node:path';

/**
 * Captured turns are a team's prompts, code and tool output: the files tapes writes are readable by
 * their owner only (#13) — 0600 files in 0700 directories, whatever the umask.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** SQLite's companions of a database file: the write-ahead log, its shared-memory index, a rollback journal. */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

/**
 * Creates `dir` (and missing parents) as 0700 and makes `dir` itself 0700 if it already existed:
 * a directory that is tapes' own (the data directory, the journal). Never called on a directory a
 * user merely pointed a file into.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  narrow(dir, PRIVATE_DIR_MODE);
}

/**
 * chmod, except on a path this process does not own (EPERM: a volume mounted with its owner's
 * modes, which tapes can write but not re-own): its owner chose those modes, and refusing to start
 * over them would help nobody.
 */
function narrow(target: string, mode: number): void {
  try {
    fs.chmodSync(target, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOENT') throw err;
  }
}

/**
 * Makes a SQLite database file private before SQLite opens it. SQLite creates the `-wal`, `-shm`
 * and `-journal` files with the permissions of the database file, so creating the (empty) database
 * file 0600 first is what keeps all of them private; companions left by an older run with wider
 * modes are narrowed too. Missing parent directories are created 0700; `ownDir` also narrows an
 * existing parent (the embedded `<data dir>/tapes.db`, whose directory is tapes').
 */
export function securePrivateSqliteFile(file: string, options: { ownDir?: boolean } = {}): void {
  const dir = path.dirname(file);
  if (options.ownDir) ensurePrivateDir(dir);
  else fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const suffix of ['', ...SQLITE_COMPANIONS]) narrow(file + suffix, PRIVATE_FILE_MODE);
}
