import { openStorage, resolveStorageTarget, StorageUnavailableError, type TurnStore } from '@tapes/storage';
import { ReopeningTurnStore } from './reopening-turn-store';

/** Where storage reports what it does (the storage worker forwards it to the app's logger). */
export interface StoreLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Opens the configured store (migrating it first). A database that is unreachable at start-up does
 * not stop the proxy: it starts with a {@link ReopeningTurnStore} and spools until the database
 * answers. Anything else (a failed or edited migration history, a bad URL) fails start-up: that
 * needs an operator, and silently spooling forever would hide it.
 */
export async function openTurnStore(options: { url: string | undefined; dataDir: string }, log: StoreLog): Promise<TurnStore> {
  const open = async (): Promise<TurnStore> => {
    try {
      return await openStorage({ url: options.url, dataDir: options.dataDir, logger: log });
    } catch (err) {
      throw fileUnavailable(err) ?? err;
    }
  };
  try {
    return await openOrTellWhy(open);
  } catch (err) {
    if (!(err instanceof StorageUnavailableError)) throw err;
    log.warn({ reason: err.reason, detail: err.message }, 'storage is unavailable at start-up: forwarding anyway, spooling turns until it answers');
    return new ReopeningTurnStore({
      backend: resolveStorageTarget(options.url, options.dataDir).backend,
      open,
      initialError: err,
      onOpened: () => log.info({}, 'storage is available again'),
      onError: (retryErr) => {
        if (retryErr instanceof StorageUnavailableError) log.debug({ reason: retryErr.reason }, 'storage still unavailable');
        else log.error({ detail: retryErr instanceof Error ? retryErr.message : String(retryErr) }, 'opening storage failed');
      },
    });
  }
}

/**
 * One more try after a failure that does not say the database is away: a connection lost while the
 * store opens (pg's message-only "Connection terminated unexpectedly" in the middle of the
 * migrations) looks like any other error. The second try tells them apart — a database that went
 * away is now unreachable (waited out by the caller), a history an operator must fix fails the same
 * way again. (The proxy listens before its store is open, #17, so such a loss must not stop it.)
 */
async function openOrTellWhy(open: () => Promise<TurnStore>): Promise<TurnStore> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof StorageUnavailableError) throw err;
    return open();
  }
}

/** What a file system says when a directory cannot be made or written (now): worth waiting out. */
const FILE_SYSTEM_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EDQUOT']);

/**
 * The embedded database's file or directory cannot be made (an unwritable or missing data
 * directory, a full disk): like an unreachable server, the proxy starts and retries (#12).
 */
function fileUnavailable(err: unknown): StorageUnavailableError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || !FILE_SYSTEM_CODES.has(e.code) || typeof e.syscall !== 'string') return undefined;
  return new StorageUnavailableError('unreachable', `the database file cannot be created (${e.code}, ${e.syscall}${e.path ? ` ${e.path}` : ''})`, { cause: err });
}
