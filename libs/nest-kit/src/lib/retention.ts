import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { TurnStore } from '@tapes/storage';
import { TURN_STORE } from './storage.module';

export const RETENTION_OPTIONS = Symbol('RETENTION_OPTIONS');

/** Sessions deleted per call: each is its own short transaction, and a sweep yields between batches. */
const BATCH = 100;
/** Sweeps run every retention/24, between a minute and an hour apart. */
const MIN_INTERVAL_MS = 60_000;
const MAX_INTERVAL_MS = 3_600_000;

export interface RetentionOptions {
  /** Sessions whose last turn ended longer ago than this are deleted; 0 turns retention off. */
  retentionMs: number;
  /** Delay before the first sweep (the app finishes starting first). */
  firstSweepMs?: number;
  /** Between sweeps; derived from `retentionMs` unless given. */
  intervalMs?: number;
}

/**
 * TAPES_RETENTION (#14): deletes sessions older than the retention period on a schedule, each as
 * `DELETE sessions/:id` does (shared history of remaining sessions stays). Several replicas on one
 * database may all sweep: a session another replica deleted first is skipped.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(TURN_STORE) private readonly store: TurnStore,
    @Inject(RETENTION_OPTIONS) private readonly options: RetentionOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.retentionMs <= 0) return;
    this.schedule(this.options.firstSweepMs ?? 30_000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep: every session past retention, in batches. Resolves with what went. */
  async sweep(now = new Date()): Promise<{ sessions: number; turns: number; nodes: number }> {
    const cutoff = new Date(now.getTime() - this.options.retentionMs);
    const total = { sessions: 0, turns: 0, nodes: 0 };
    for (;;) {
      const batch = await this.store.expireSessions(cutoff, { limit: BATCH });
      total.sessions += batch.sessions;
      total.turns += batch.turns;
      total.nodes += batch.nodes;
      if (batch.sessions < BATCH || this.stopped) break;
    }
    if (total.sessions > 0) this.logger.log({ ...total, before: cutoff.toISOString() }, `retention: deleted ${total.sessions} sessions (${total.turns} turns, ${total.nodes} nodes) that ended before ${cutoff.toISOString()}`);
    return total;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'retention sweep failed; trying again at the next one'))
        .then(() => this.schedule(this.interval()));
    }, delayMs);
    this.timer.unref();
  }

  private interval(): number {
    return this.options.intervalMs ?? Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.floor(this.options.retentionMs / 24)));
  }
}

/** Import with the app's retention setting; needs the app's StorageModule (TURN_STORE). */
@Module({})
export class RetentionModule {
  static register(options: RetentionOptions): DynamicModule {
    return { module: RetentionModule, providers: [{ provide: RETENTION_OPTIONS, useValue: options }, RetentionSweeper], exports: [RetentionSweeper] };
  }
}
