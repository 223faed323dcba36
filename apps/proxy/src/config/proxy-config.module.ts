import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { ReducerSource } from '../capture/reducer-source';
import { REDUCER_SOURCE } from '../storage/storage.tokens';
import type { ProxyConfig } from './proxy-config';

/**
 * Provides the validated configuration under `TAPES_CONFIG` (nothing else reads `process.env`) and
 * where the reducers come from under `REDUCER_SOURCE`.
 */
@Global()
@Module({})
export class ProxyConfigModule {
  static register(config: ProxyConfig, reducers: ReducerSource): DynamicModule {
    return {
      module: ProxyConfigModule,
      providers: [
        { provide: TAPES_CONFIG, useValue: config },
        { provide: REDUCER_SOURCE, useValue: reducers },
      ],
      exports: [TAPES_CONFIG, REDUCER_SOURCE],
    };
  }
}
