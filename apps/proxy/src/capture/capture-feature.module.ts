import { Module } from '@nestjs/common';
import { ByteBudget } from '@tapes/delivery';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import { TURN_EVENTS, type TurnEvents } from '@tapes/read-api';
import type { ProxyConfig } from '../config/proxy-config';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { WorkerTurnStore } from '../storage/worker-turn-store';
import { CaptureService } from './capture.service';
import { TurnDelivery } from './turn-delivery';

/**
 * Capture behind forwarding: which exchanges are turns (CaptureService), and how a finished one
 * reaches storage (TurnDelivery: journal first, then the storage worker).
 */
@Module({
  providers: [
    CaptureService,
    { provide: ByteBudget, useFactory: (config: ProxyConfig) => new ByteBudget(config.limits.captureQueueBytes), inject: [TAPES_CONFIG] },
    {
      provide: TurnDelivery,
      useFactory: (config: ProxyConfig, store: WorkerTurnStore, budget: ByteBudget, metrics: ProxyMetrics, events: TurnEvents) => TurnDelivery.create(config, store, budget, metrics, events),
      inject: [TAPES_CONFIG, WorkerTurnStore, ByteBudget, ProxyMetrics, TURN_EVENTS],
    },
  ],
  exports: [CaptureService, TurnDelivery, ByteBudget],
})
export class CaptureFeatureModule {}
