import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Reducer } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { CaptureModule, METRICS_REGISTRY, MetricsModule, TAPES_CONFIG, tapesLoggerModule } from '@tapes/nest-kit';
import type { Registry } from 'prom-client';
import type { SidecarConfig } from './config/sidecar-config';
import { IngestClient } from './delivery/ingest-client';
import { DeliveryLifecycle } from './delivery/delivery-lifecycle';
import { TurnDelivery } from './delivery/turn-delivery';
import { ExtProcServer } from './ext-proc/ext-proc.server';
import { HealthController } from './health/health.controller';
import { METRIC_PREFIX, SidecarMetrics } from './metrics/sidecar-metrics';

export interface SidecarAppOptions {
  config: SidecarConfig;
  reducers: () => readonly Reducer[];
}

@Module({})
export class AppModule {
  static register(options: SidecarAppOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        tapesLoggerModule({ level: config.logLevel, format: config.logFormat, app: 'sidecar' }),
        MetricsModule.register({ app: 'sidecar', prefix: METRIC_PREFIX }),
        CaptureModule.forRoot(options.reducers),
        TerminusModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: TAPES_CONFIG, useValue: config },
        { provide: ByteBudget, useFactory: () => new ByteBudget(config.limits.captureQueueBytes) },
        {
          provide: IngestClient,
          useFactory: () =>
            new IngestClient({
              url: config.ingest.url,
              token: config.ingest.token,
              connectTimeoutMs: config.ingest.connectTimeoutMs,
              timeoutMs: config.ingest.timeoutMs,
              connections: config.ingest.connections,
            }),
        },
        {
          provide: SidecarMetrics,
          useFactory: (registry: Registry, budget: ByteBudget) => new SidecarMetrics(registry, budget),
          inject: [METRICS_REGISTRY, ByteBudget],
        },
        {
          provide: TurnDelivery,
          useFactory: (client: IngestClient, budget: ByteBudget, metrics: SidecarMetrics) => TurnDelivery.create(config, client, budget, metrics),
          inject: [IngestClient, ByteBudget, SidecarMetrics],
        },
        ExtProcServer,
        DeliveryLifecycle,
      ],
    };
  }
}
