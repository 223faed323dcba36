import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { openStorage, type TurnStore } from '@tapes/storage';

/** The injection token of the app's turn store. */
export const TURN_STORE = Symbol('TURN_STORE');

class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(TURN_STORE) private readonly store: TurnStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Opens (and migrates) the store once at start-up and closes it after in-flight requests end. */
@Module({})
export class StorageModule {
  static register(options: { url?: string | undefined; dataDir: string } | { store: TurnStore }): DynamicModule {
    const provider =
      'store' in options
        ? { provide: TURN_STORE, useValue: options.store }
        : { provide: TURN_STORE, useFactory: () => openStorage({ url: options.url, dataDir: options.dataDir }) };
    return { module: StorageModule, global: true, providers: [provider, StoreCloser], exports: [TURN_STORE] };
  }
}
