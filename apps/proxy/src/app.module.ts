import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, RouterModule } from '@nestjs/core';
import { CaptureModule, MetricsModule, RetentionModule, TapesExceptionFilter, tapesLoggerModule } from '@tapes/nest-kit';
import { CaptureFeatureModule } from './capture/capture-feature.module';
import { ReadApiModule } from '@tapes/read-api';
import { ViewerModule } from '@tapes/viewer-server';
import type { ProxyConfig } from './config/proxy-config';
import { ProxyConfigModule } from './config/proxy-config.module';
import { ForwardingModule } from './forwarding/forwarding.module';
import { HealthModule } from './health/health.module';
import { InternalRoutesModule } from './internal/internal-routes.module';
import { METRICS_PREFIX } from './metrics/proxy-metrics';
import { ProxyMetricsModule } from './metrics/proxy-metrics.module';
import { ShutdownCoordinator } from './shutdown/shutdown-coordinator';
import { ProxyStorageModule } from './storage/storage.module';
import { loadReducers, type ReducerSource } from './capture/reducer-source';

/** The path prefix of the proxy's own routes; everything else is forwarded. */
export const INTERNAL_PREFIX = '_tapes';

export interface ProxyAppOptions {
  config: ProxyConfig;
  /** The reducers (default: the shipped list); a module path, so the storage worker builds the same. */
  reducers?: ReducerSource;
  /**
   * Resolve createProxyApp before the storage worker has opened (and migrated) the store, which
   * then opens in the background while the proxy already forwards (#17: start-up ≤ 1 s). Default
   * false: the app is returned with its store open, and a store that cannot open fails it.
   */
  storageInBackground?: boolean;
}

@Module({})
export class AppModule {
  static register(options: ProxyAppOptions): DynamicModule {
    const { config } = options;
    const reducers = options.reducers ?? 'default';
    return {
      module: AppModule,
      imports: [
        ProxyConfigModule.register(config, reducers),
        tapesLoggerModule({ level: config.logLevel, format: config.logFormat, app: 'proxy' }),
        MetricsModule.register({ app: 'proxy', prefix: METRICS_PREFIX }),
        ProxyMetricsModule,
        CaptureModule.forRoot(() => loadReducers(reducers)),
        ProxyStorageModule,
        RetentionModule.register({ retentionMs: config.retentionMs }),
        CaptureFeatureModule,
        HealthModule,
        ReadApiModule.register(),
        // The web viewer (#15) at /_tapes/: the page finds the read API at v1/ beside it.
        ViewerModule.register({ apiBase: 'v1/' }),
        InternalRoutesModule,
        ForwardingModule,
        RouterModule.register([
          { path: INTERNAL_PREFIX, module: MetricsModule },
          { path: INTERNAL_PREFIX, module: HealthModule },
          { path: `${INTERNAL_PREFIX}/v1`, module: ReadApiModule },
          { path: INTERNAL_PREFIX, module: ViewerModule },
          { path: INTERNAL_PREFIX, module: InternalRoutesModule },
        ]),
      ],
      providers: [ShutdownCoordinator, { provide: APP_FILTER, useClass: TapesExceptionFilter }],
    };
  }
}
