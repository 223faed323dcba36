import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { CaptureHealthIndicator } from './capture-health.indicator';

/**
 * Probes under the reserved `/_tapes/` prefix (every other path is proxied, so `/health` belongs to
 * the upstream):
 * - `live`: the process answers;
 * - `/_tapes/health` (readiness): the proxy can forward *and* keep every turn — storage is up, or
 *   the spool can take what storage cannot. A storage outage alone is reported (`storage: down`)
 *   but does not fail readiness: forwarding is unaffected and no turn is lost while the spool has
 *   room, so taking the proxy out of service would only break the agent;
 * - `storage`: strict — 503 while the database is unreachable, for alerting.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly capture: CaptureHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get()
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return answer(reply, this.health.check([() => this.capture.readiness()]));
  }

  @Get('storage')
  @HealthCheck()
  storage(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return answer(reply, this.health.check([() => this.capture.storage()]));
  }
}

/**
 * terminus reports a failed check by throwing a 503 whose body is the check result; answer that
 * body as it is (the app's error filter would turn it into a generic error).
 */
async function answer(reply: FastifyReply, check: Promise<HealthCheckResult>): Promise<HealthCheckResult> {
  try {
    return await check;
  } catch (err) {
    if (!(err instanceof ServiceUnavailableException)) throw err;
    reply.status(503);
    return err.getResponse() as HealthCheckResult;
  }
}
