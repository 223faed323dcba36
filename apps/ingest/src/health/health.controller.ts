import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { TurnStore } from '@tapes/storage';
import { TURN_STORE } from '@tapes/nest-kit';

/** Liveness, readiness (database ping) and tapes' `/ping`; open to every caller (ingest-access-policy.ts). */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(TURN_STORE) private readonly store: TurnStore,
  ) {}

  @Get('ping')
  ping() {
    return { status: 'ok' };
  }

  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get(['health', 'health/ready'])
  @HealthCheck()
  ready() {
    return this.health.check([() => this.database()]);
  }

  private async database(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    const started = Date.now();
    try {
      await this.store.ping();
      return indicator.up({ backend: this.store.backend, latency_ms: Date.now() - started });
    } catch (err) {
      return indicator.down({ backend: this.store.backend, message: (err as Error).message });
    }
  }
}
