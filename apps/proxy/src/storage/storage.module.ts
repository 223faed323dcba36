import { Logger } from '@nestjs/common';
import { StorageModule, TAPES_CONFIG } from '@tapes/nest-kit';
import type { ReducerSource } from '../capture/reducer-source';
import type { ProxyConfig } from '../config/proxy-config';
import type { StoreLog } from './open-turn-store';
import { REDUCER_SOURCE } from './storage.tokens';
import { WorkerTurnStore } from './worker-turn-store';

function storeLog(): StoreLog {
  const logger = new Logger('Storage');
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.log(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
  };
}

/**
 * The proxy's store: opened (and migrated) at start-up in the storage worker thread, while the app
 * starts (createProxyApp waits for it unless told not to; `tapes proxy` listens first), provided as
 * the shared TURN_STORE (read routes, health) and as WorkerTurnStore (delivery records turns
 * through it), closed last at shutdown.
 */
export const ProxyStorageModule = StorageModule.register({
  provide: WorkerTurnStore,
  useFactory: (config: ProxyConfig, source: ReducerSource) =>
    WorkerTurnStore.start({ url: config.databaseUrl, dataDir: config.dataDir, reducers: source, project: config.project, maxDecodedBytes: config.limits.maxCaptureBodyBytes, scrubBodySecrets: config.scrubBodySecrets }, storeLog()),
  inject: [TAPES_CONFIG, REDUCER_SOURCE],
});
