import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Reducer } from '@tapes/capture';
import { REDUCERS, TURN_STORE } from '@tapes/nest-kit';
import { backfillSessions, type TurnStore } from '@tapes/storage';

/**
 * Turns stored before sessions existed get their session, thread and harness from their raw bytes
 * (#14: nothing captured is orphaned), in the background once ingest has started; a stop aborts
 * it between turns and the next start goes on. Several replicas may run it at once: each turn is
 * re-derived in its own transaction, and the same derivation twice writes nothing the second time.
 */
@Injectable()
export class SessionBackfillService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SessionBackfill');
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    @Inject(TURN_STORE) private readonly store: TurnStore,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
  ) {}

  onApplicationBootstrap(): void {
    this.running = backfillSessions(this.store, this.reducers, { signal: this.stopping.signal }).then(
      (report) => {
        if (report.backfilled > 0 || report.failed > 0) this.logger.log({ ...report }, `sessions backfilled for ${report.backfilled} turns stored before sessions existed`);
      },
      (err: unknown) => {
        if (!this.stopping.signal.aborted) this.logger.warn({ err }, 'session backfill stopped; it goes on at the next start');
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }
}
