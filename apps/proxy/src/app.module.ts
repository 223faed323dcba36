import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, RouterModule } from '@nestjs/core';
import type { Reducer } from '@tapes/capture';
import { CaptureModule, MetricsModule, TapesExceptionFilter, tapesLoggerModule } from '@tapes/nest-kit';
import { CaptureFeatureModule } from './capture/capture-feature.module';
import { CapturedModule } from './read/captured.module';
import type { ProxyConfig } from './config/proxy-config';
import { ProxyConfigModule } from './config/proxy-config.module';
import { ForwardingModule } from './forwarding/forwarding.module';
import { HealthModule } from './health/health.module';
import { InternalRoutesModule } from './internal/internal-routes.module';
import { METRICS_PREFIX } from './metrics/proxy-metrics';
import { ProxyMetricsModule } from './metrics/proxy-metrics.module';
import { ShutdownCoordinator } from './shutdown/shutdown-coordinator';
import { StorageModule } from './storage/storage.module';

/** The path prefix of the proxy's own routes; everything else is forwarded. */
export const INTERNAL_PREFIX = '_tapes';

export interface ProxyAppOptions {
  config: ProxyConfig;
  createReducers: () => readonly Reducer[];
}

@Module({})
export class AppModule {
  static register(options: ProxyAppOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        ProxyConfigModule.register(config),
        tapesLoggerModule({ level: config.logLevel, format: config.logFormat, app: 'proxy' }),
        MetricsModule.register({ app: 'proxy', prefix: METRICS_PREFIX }),
        ProxyMetricsModule,
        CaptureModule.forRoot(options.createReducers),
        StorageModule,
        CaptureFeatureModule,
        HealthModule,
        CapturedModule,
        InternalRoutesModule,
        ForwardingModule,
        RouterModule.register([
          { path: INTERNAL_PREFIX, module: MetricsModule },
          { path: INTERNAL_PREFIX, module: HealthModule },
          { path: INTERNAL_PREFIX, module: CapturedModule },
          { path: INTERNAL_PREFIX, module: InternalRoutesModule },
        ]),
      ],
      providers: [ShutdownCoordinator, { provide: APP_FILTER, useClass: TapesExceptionFilter }],
    };
  }
}
