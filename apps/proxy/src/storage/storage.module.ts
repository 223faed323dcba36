import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { TurnStore } from '@tapes/storage';
import type { ProxyConfig } from '../config/proxy-config';
import type { StoreLog } from './open-turn-store';
import { REDUCER_SOURCE, TURN_STORE } from './storage.tokens';
import type { ReducerSource } from '../capture/reducer-source';
import { WorkerTurnStore } from './worker-turn-store';

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(TURN_STORE) private readonly store: TurnStore) {}

  /** Runs after the shutdown coordinator has stopped delivery (what is left waits in the journal). */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

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
 * The turn store named by the configuration, opened (and migrated) at start-up in the storage
 * worker thread, and closed last at shutdown.
 */
@Global()
@Module({
  providers: [
    {
      provide: WorkerTurnStore,
      useFactory: (config: ProxyConfig, source: ReducerSource) =>
        WorkerTurnStore.start({ url: config.databaseUrl, dataDir: config.dataDir, reducers: source, project: config.project, maxDecodedBytes: config.limits.maxCaptureBodyBytes }, storeLog()),
      inject: [TAPES_CONFIG, REDUCER_SOURCE],
    },
    // The read routes and health need only the TurnStore interface.
    { provide: TURN_STORE, useExisting: WorkerTurnStore },
    StoreCloser,
  ],
  exports: [TURN_STORE, WorkerTurnStore],
})
export class StorageModule {}
