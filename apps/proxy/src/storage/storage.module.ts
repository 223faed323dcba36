import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { openStorage, type TurnStore } from '@tapes/storage';
import { TURN_STORE } from './storage.tokens';

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(TURN_STORE) private readonly store: TurnStore) {}

  /** Runs after the shutdown coordinator has drained capture into storage or the spool. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

export type StorageModuleOptions = { url: string | undefined; dataDir: string } | { store: TurnStore };

/** Opens (and migrates) the turn store at start-up and closes it last at shutdown. */
@Global()
@Module({})
export class StorageModule {
  static register(options: StorageModuleOptions): DynamicModule {
    const provider =
      'store' in options
        ? { provide: TURN_STORE, useValue: options.store }
        : { provide: TURN_STORE, useFactory: () => openStorage({ url: options.url, dataDir: options.dataDir }) };
    return { module: StorageModule, providers: [provider, StoreCloser], exports: [TURN_STORE] };
  }
}
