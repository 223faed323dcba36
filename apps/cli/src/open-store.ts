import { MigrationError, openStorage, resolveStorageTarget, StorageUnavailableError, type TurnStore } from '@tapes/storage';
import { CliError, EXIT } from './exit-codes';
import type { CliSettings } from './settings';

/** `SQLite /home/me/.tapes/tapes.db` or `PostgreSQL postgresql://u:***@host/db`, for messages. */
export function describeStore(settings: CliSettings): string {
  const target = resolveStorageTarget(settings.databaseUrl, settings.dataDir);
  if (target.backend === 'sqlite') return `SQLite ${target.file}`;
  try {
    const url = new URL(target.url);
    if (url.password) url.password = '***';
    return `PostgreSQL ${url.toString()}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * Opens the local store as the apps do (applying pending migrations unless told not to: the same
 * migrations the proxy applies at start-up), with failures as exit codes and a next step.
 */
export async function openStore(settings: CliSettings, options: { migrate?: boolean } = {}): Promise<TurnStore> {
  let where: string;
  try {
    where = describeStore(settings);
  } catch (err) {
    throw new CliError(EXIT.usage, `--database: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await openStorage({ url: settings.databaseUrl, dataDir: settings.dataDir, migrate: options.migrate ?? true, busyTimeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof StorageUnavailableError) {
      throw new CliError(EXIT.unavailable, `cannot open the store (${where}): ${err.message}`, { cause: err, hint: 'run `tapes doctor`' });
    }
    if (err instanceof MigrationError) {
      throw new CliError(EXIT.failure, `the store's migrations need attention (${where}): ${err.message}`, { cause: err, hint: 'run `tapes doctor`' });
    }
    throw err;
  }
}
