import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from './proxy-config';

/** Provides the validated configuration under `TAPES_CONFIG`; nothing else reads `process.env`. */
@Global()
@Module({})
export class ProxyConfigModule {
  static register(config: ProxyConfig): DynamicModule {
    return { module: ProxyConfigModule, providers: [{ provide: TAPES_CONFIG, useValue: config }], exports: [TAPES_CONFIG] };
  }
}
