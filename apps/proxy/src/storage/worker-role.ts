import { isMainThread, workerData } from 'node:worker_threads';

/** `workerData.role` of the storage thread started by WorkerTurnStore. */
export const STORAGE_WORKER_ROLE = 'tapes-storage-worker';

/** True in a thread started by WorkerTurnStore (main.ts checks it before loading anything else). */
export function isStorageWorker(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | undefined)?.role === STORAGE_WORKER_ROLE;
}
