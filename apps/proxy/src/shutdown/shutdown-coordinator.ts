import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { CaptureService } from '../capture/capture.service';
import { TurnDelivery } from '../capture/turn-delivery';
import { ExchangeTracker } from '../forwarding/exchange-tracker';

/** How long cut exchanges get to unwind (destroying sockets is immediate; this is a backstop). */
const CUT_UNWIND_MS = 1_000;

/**
 * Owns the order of start-up and shutdown, which Nest's per-module hooks cannot guarantee:
 *
 * start: delivery starts once the app is up, so what a previous run left in the journal is stored.
 *
 * stop (SIGTERM/SIGINT, before Nest closes the server):
 *  1. stop accepting connections;
 *  2. let in-flight exchanges finish, for at most the shutdown grace; then cut the rest — their
 *     partial turns are still captured (interrupted: `shutdown`);
 *  3. wait until every finished capture is journaled;
 *  4. go on storing what waits, for at most the grace again; whatever is left stays in the
 *     journal for the next run.
 * Storage itself is closed afterwards by StorageModule's shutdown hook.
 */
@Injectable()
export class ShutdownCoordinator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownCoordinator.name);
  private readonly graceMs: number;

  constructor(
    @Inject(TAPES_CONFIG) config: ProxyConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly tracker: ExchangeTracker,
    private readonly capture: CaptureService,
    private readonly delivery: TurnDelivery,
  ) {
    this.graceMs = config.limits.shutdownGraceMs;
  }

  onApplicationBootstrap(): void {
    this.delivery.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server?.listening) server.close();
    server?.closeIdleConnections();
    const inFlight = this.tracker.size;
    if (inFlight > 0) this.logger.log({ inFlight, graceMs: this.graceMs, signal }, 'waiting for in-flight exchanges');
    if (!(await this.tracker.whenIdle(this.graceMs))) {
      this.logger.warn({ cut: this.tracker.size }, 'shutdown grace over: cutting the exchanges still in flight');
      this.tracker.abortAll('shutdown');
      // Cut exchanges hand their partial turns to capture as their pipelines unwind.
      await this.tracker.whenIdle(CUT_UNWIND_MS);
    }
    await this.capture.settled();
    await this.delivery.stop(this.graceMs);
    const { depth } = this.delivery.stats();
    if (depth > 0) this.logger.warn({ depth }, `${depth} captured turns wait in the journal: the next start stores them`);
    else this.logger.log({}, 'capture drained');
  }
}
