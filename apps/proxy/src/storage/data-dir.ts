import { ensurePrivateDir } from '@tapes/storage';

/**
 * Makes the data directory (the journal and the embedded database live there) private and checks
 * that it can be created (#13, #12). It never fails start-up: a directory that cannot be made or
 * written leaves capture down — the proxy forwards anyway, says so once, and the journal and the
 * store keep trying until the directory is writable — because an agent that cannot reach its
 * provider is worse than a turn that is not recorded (and counted as not recorded).
 */
export function prepareDataDir(dir: string): Error | undefined {
  try {
    ensurePrivateDir(dir);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The one line that says capture is down because of the data directory, with the fix. */
export function dataDirProblemLine(dir: string, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (
    `capture is down: the data directory ${dir} cannot be created or written (${code && !err.message.startsWith(code) ? `${code}: ` : ''}${err.message}). ` +
    `The proxy forwards every request, but keeps no turns until it can; it retries on its own. ` +
    `Fix: make it writable (mkdir -p ${dir} && chown "$(id -un)" ${dir}), or set TAPES_DATA_DIR to a writable directory.`
  );
}
