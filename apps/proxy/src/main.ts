import { isStorageWorker } from './storage/worker-role';

/**
 * One bundle, two roles: the proxy itself, or — when WorkerTurnStore starts this same file as a
 * worker thread — the storage worker. Each role loads only its own code (the imports are dynamic,
 * so the storage thread never loads Nest and the proxy thread never opens a database).
 */
function fail(err: unknown): never {
  // By name, not instanceof: importing @tapes/nest-kit here would load Nest into the storage thread.
  if (err instanceof Error && err.name === 'ConfigError') console.error(err.message);
  else console.error('tapes proxy failed to start:', err);
  process.exit(1);
}

if (isStorageWorker()) {
  import('./storage/storage-worker').then((worker) => worker.runStorageWorker(), fail);
} else {
  import('./serve').then((proxy) => proxy.serve()).catch(fail);
}
