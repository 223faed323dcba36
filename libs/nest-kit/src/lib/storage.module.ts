import { Inject, Injectable, Module, type DynamicModule, type InjectionToken, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { openStorage, type TurnStore } from '@tapes/storage';

/** The injection token of an app's turn store: `@Inject(TURN_STORE) store: TurnStore`. */
export const TURN_STORE = Symbol('TURN_STORE');

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(TURN_STORE) private readonly store: TurnStore) {}

  /** Last: after the app's own shutdown hooks have stopped feeding it (requests, delivery). */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** How an app's store comes to be. */
export type StorageModuleOptions =
  /** Opened (and migrated) from the configuration at start-up. */
  | { url: string | undefined; dataDir: string }
  /** Already open (tests). */
  | { store: TurnStore }
  /**
   * Built by the app (the proxy's store lives in a worker thread). `provide` is the class token
   * the app also injects it under; the store is exported under both.
   */
  | { provide: InjectionToken; useFactory: (...args: never[]) => Promise<TurnStore> | TurnStore; inject?: InjectionToken[] };

/**
 * The one storage module every app imports: provides the store under {@link TURN_STORE} (global),
 * and closes it at shutdown after everything that writes to it has stopped.
 */
@Module({})
export class StorageModule {
  static register(options: StorageModuleOptions): DynamicModule {
    const providers: Provider[] = [StoreCloser];
    const exports: InjectionToken[] = [TURN_STORE];
    if ('store' in options) providers.push({ provide: TURN_STORE, useValue: options.store });
    else if ('useFactory' in options) {
      providers.push({ provide: options.provide, useFactory: options.useFactory, inject: options.inject ?? [] }, { provide: TURN_STORE, useExisting: options.provide });
      exports.push(options.provide);
    } else providers.push({ provide: TURN_STORE, useFactory: () => openStorage({ url: options.url, dataDir: options.dataDir }) });
    return { module: StorageModule, global: true, providers, exports };
  }
}
