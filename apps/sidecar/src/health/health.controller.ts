import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { IngestClient } from '../delivery/ingest-client';
import { TurnDelivery } from '../delivery/turn-delivery';
import { ExtProcServer } from '../ext-proc/ext-proc.server';

const INGEST_PING_TIMEOUT_MS = 2_000;

/**
 * `/health`: everything capture depends on: the gRPC server listening, ingest answering `/ping`,
 * the journal taking writes. For dashboards and operators.
 *
 * `/health/live`: the gRPC server and the journal only. This is what probes should use: ingest
 * being away is exactly what the journal is for, and a pod marked unready or restarted for it would
 * take Envoy (and the agents' traffic) down with it.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly grpc: ExtProcServer,
    private readonly ingest: IngestClient,
    private readonly delivery: TurnDelivery,
  ) {}

  @Get()
  @HealthCheck()
  all() {
    return this.health.check([() => this.grpcServer(), () => this.ingestReachable(), () => this.journalWritable()]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.grpcServer(), () => this.journalWritable()]);
  }

  private grpcServer(): HealthIndicatorResult {
    const indicator = this.indicators.check('grpc');
    return this.grpc.listening ? indicator.up({ port: this.grpc.port, open_streams: this.grpc.openStreams }) : indicator.down({ message: 'ext_proc server is not listening' });
  }

  private async ingestReachable(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('ingest');
    const started = Date.now();
    try {
      await this.ingest.ping(INGEST_PING_TIMEOUT_MS);
      return indicator.up({ latency_ms: Date.now() - started });
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }

  /** Down, with the reason, while captured turns cannot be journaled (they are then held in memory only). */
  private journalWritable(): HealthIndicatorResult {
    const indicator = this.indicators.check('journal');
    const { depth, bytes, journal, journalError } = this.delivery.stats();
    return journal === 'ok' ? indicator.up({ depth, bytes }) : indicator.down({ depth, bytes, message: journalError ?? 'the journal cannot be written' });
  }
}
