import os from 'node:os';
import path from 'node:path';

/**
 * The global settings every command shares, from flags or their environment variables (flags win).
 * This and the agent launcher are the only places the CLI reads its environment.
 */
export interface CliSettings {
  /** A running proxy or ingest to read from (`--url`, TAPES_URL) instead of the local store. */
  url: string | undefined;
  /** Bearer token for `url` (TAPES_READ_TOKEN only: a flag would show in `ps`). */
  token: string | undefined;
  /** The store: `postgresql://…` or a SQLite file (`--database`, DATABASE_URL); default `<dataDir>/tapes.db`. */
  databaseUrl: string | undefined;
  /** Absolute. The embedded database, the proxy's journal and its pid/port file live here. */
  dataDir: string;
}

/**
 * One data directory per user (`~/.tapes`), not per working directory: `tapes start` from any
 * project reuses one proxy and `tapes sessions` anywhere lists every session (each session records
 * its cwd; `--cwd` filters). `nx serve proxy` keeps its own default, `./.tapes`; point the CLI at it
 * with `--data-dir .tapes`.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return path.join(env['HOME'] || os.homedir(), '.tapes');
}

export function resolveSettings(flags: { url?: string; database?: string; dataDir?: string }, env: NodeJS.ProcessEnv, cwd: string): CliSettings {
  const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);
  const dataDir = nonEmpty(flags.dataDir) ?? nonEmpty(env['TAPES_DATA_DIR']) ?? defaultDataDir(env);
  return {
    url: nonEmpty(flags.url) ?? nonEmpty(env['TAPES_URL']),
    token: nonEmpty(env['TAPES_READ_TOKEN']),
    databaseUrl: nonEmpty(flags.database) ?? nonEmpty(env['DATABASE_URL']),
    dataDir: path.resolve(cwd, dataDir),
  };
}
