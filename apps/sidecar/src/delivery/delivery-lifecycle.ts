import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { SidecarConfig } from '../config/sidecar-config';
import { ExtProcServer } from '../ext-proc/ext-proc.server';
import { IngestClient } from './ingest-client';
import { TurnDelivery } from './turn-delivery';

/**
 * The order delivery starts and stops in: it starts once the app is up (what a previous run left
 * in the journal goes first); at shutdown — after the gRPC server has ended every exchange
 * (`onModuleDestroy`) — it waits for their turns to be journaled, delivers what it can within
 * the grace, leaves the rest in the journal, and closes the ingest client last.
 */
@Injectable()
export class DeliveryLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(TAPES_CONFIG) private readonly config: SidecarConfig,
    private readonly delivery: TurnDelivery,
    private readonly server: ExtProcServer,
    private readonly client: IngestClient,
  ) {}

  onApplicationBootstrap(): void {
    this.delivery.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.settled();
    await this.delivery.stop(this.config.limits.shutdownGraceMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
