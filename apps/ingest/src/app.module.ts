import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, RouterModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Reducer } from '@tapes/capture';
import { CaptureModule, MetricsModule, RetentionModule, StorageModule, TAPES_CONFIG, TapesExceptionFilter, tapesLoggerModule } from '@tapes/nest-kit';
import type { TurnStore } from '@tapes/storage';
import type { IngestConfig } from './config/ingest-config';
import { HealthController } from './health/health.controller';
import { IngestBatchService } from './ingest/ingest-batch.service';
import { IngestController } from './ingest/ingest.controller';
import { IngestMetrics } from './ingest/ingest.metrics';
import { IngestService } from './ingest/ingest.service';
import { OpenApiController } from './openapi/openapi.controller';
import { ReadApiModule } from '@tapes/read-api';
import { ViewerModule } from '@tapes/viewer-server';
import { IngestNodesController } from './read/ingest-nodes.controller';
import { SessionBackfillService } from './sessions/session-backfill.service';

export interface IngestAppOptions {
  config: IngestConfig;
  reducers: () => readonly Reducer[];
  /** An already-open store (tests); otherwise one is opened from the config. */
  store?: TurnStore;
}

@Module({})
export class AppModule {
  static register(options: IngestAppOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        tapesLoggerModule({ level: config.logLevel, format: config.logFormat, app: 'ingest' }),
        MetricsModule.register({ app: 'ingest', prefix: 'tapes_ingest_' }),
        CaptureModule.forRoot(options.reducers),
        StorageModule.register(options.store ? { store: options.store } : { url: config.databaseUrl, dataDir: config.dataDir }),
        RetentionModule.register({ retentionMs: config.retentionMs }),
        TerminusModule,
        // The read API (sessions, turns, search, stats, the DAG, live events) at /v1, as the proxy serves it at /_tapes/v1.
        ReadApiModule.register(),
        // The web viewer (#15) at /ui/, the same build the proxy serves; the read API is at ../v1/ from there.
        ViewerModule.register({ apiBase: '../v1/' }),
        RouterModule.register([
          { path: 'v1', module: ReadApiModule },
          { path: 'ui', module: ViewerModule },
        ]),
      ],
      controllers: [IngestController, IngestNodesController, HealthController, OpenApiController],
      providers: [
        { provide: TAPES_CONFIG, useValue: config },
        IngestMetrics,
        IngestService,
        IngestBatchService,
        SessionBackfillService,
        { provide: APP_FILTER, useClass: TapesExceptionFilter },
      ],
    };
  }
}
