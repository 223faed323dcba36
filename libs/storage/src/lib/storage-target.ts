import path from 'node:path';

export type Backend = 'sqlite' | 'postgresql';

/** Where a store lives, decided from the URL alone (style: one factory picks the adapter). */
export type StorageTarget =
  | { backend: 'sqlite'; /** Absolute path of the database file. */ file: string }
  | { backend: 'postgresql'; url: string };

/** The embedded database's file name inside the data directory. */
export const DEFAULT_SQLITE_FILE = 'tapes.db';
export const DEFAULT_DATA_DIR = '.tapes';

/**
 * Reads a storage URL:
 *  - `postgresql://…` or `postgres://…` → PostgreSQL (the URL is passed to `pg` as is);
 *  - `file:/abs/x.db`, `file:./rel.db`, `file:rel.db` or a plain path → a SQLite file, relative paths
 *    resolved against the working directory;
 *  - nothing → the embedded default `<dataDir>/tapes.db` (dataDir defaults to `./.tapes`).
 * `:memory:` is refused: migrations run on their own connection, which would see another database.
 */
export function resolveStorageTarget(url: string | undefined, dataDir: string = DEFAULT_DATA_DIR): StorageTarget {
  const raw = url?.trim() ?? '';
  if (/^postgres(ql)?:\/\//i.test(raw)) return { backend: 'postgresql', url: raw };
  if (raw === '') return { backend: 'sqlite', file: path.resolve(dataDir, DEFAULT_SQLITE_FILE) };
  let file = raw;
  if (/^file:/i.test(file)) {
    file = file.slice('file:'.length);
    // file://localhost/abs and file:///abs are URL forms; file:rel.db / file:./rel.db are Prisma's.
    if (file.startsWith('//')) file = decodeURIComponent(new URL(raw).pathname);
    const query = file.indexOf('?');
    if (query >= 0) file = file.slice(0, query);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/^file:/i.test(raw)) {
    throw new Error(`unsupported storage URL scheme: ${raw.slice(0, raw.indexOf(':'))} (use postgresql://… or a SQLite file path)`);
  }
  if (file === '' || file === ':memory:') throw new Error(`unsupported SQLite location "${raw}": give a file path`);
  return { backend: 'sqlite', file: path.resolve(file) };
}

/** The URL with its password masked, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
