import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DiskSpool } from '@tapes/delivery';
import { IngestClient } from '../delivery/ingest-client';
import { ExtProcServer } from '../ext-proc/ext-proc.server';

const INGEST_PING_TIMEOUT_MS = 2_000;

/**
 * `/health`: everything capture depends on: the gRPC server listening, ingest answering `/ping`,
 * the spool taking durable writes. For dashboards and operators.
 *
 * `/health/live`: the gRPC server and the spool only. This is what probes should use: ingest
 * being away is exactly what the spool is for, and a pod marked unready or restarted for it would
 * take Envoy (and the agents' traffic) down with it.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly grpc: ExtProcServer,
    private readonly ingest: IngestClient,
    private readonly spool: DiskSpool,
  ) {}

  @Get()
  @HealthCheck()
  all() {
    return this.health.check([() => this.grpcServer(), () => this.ingestReachable(), () => this.spoolWritable()]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.grpcServer(), () => this.spoolWritable()]);
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

  private async spoolWritable(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('spool');
    const { depth, bytes } = this.spool.stats();
    try {
      await this.spool.checkWritable();
      return indicator.up({ depth, bytes, max_bytes: this.spool.maxBytes });
    } catch (err) {
      return indicator.down({ depth, bytes, message: (err as Error).message });
    }
  }
}
