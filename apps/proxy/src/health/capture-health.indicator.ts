import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ByteBudget, DiskSpool } from '@tapes/delivery';
import type { TurnStore } from '@tapes/storage';
import { TURN_STORE } from '../storage/storage.tokens';

/** Storage reachability and spool headroom, as the health routes report them. */
@Injectable()
export class CaptureHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(TURN_STORE) private readonly store: TurnStore,
    private readonly spool: DiskSpool,
    private readonly budget: ByteBudget,
  ) {}

  /** Up while turns can be kept: storage answers, or the spool still takes durable writes. */
  async readiness(): Promise<HealthIndicatorResult<'capture'>> {
    const session = this.indicator.check('capture');
    const storage = await this.storageState();
    const spool = await this.spoolState();
    const data = { storage: storage.up ? 'up' : 'down', ...(storage.up ? {} : { storageError: storage.message }), spool, queueBytes: this.budget.inUse };
    return storage.up || spool.writable ? session.up(data) : session.down(data);
  }

  async storage(): Promise<HealthIndicatorResult<'storage'>> {
    const session = this.indicator.check('storage');
    const storage = await this.storageState();
    return storage.up ? session.up({ backend: this.store.backend }) : session.down({ backend: this.store.backend, message: storage.message });
  }

  private async storageState(): Promise<{ up: true } | { up: false; message: string }> {
    try {
      await this.store.ping();
      return { up: true };
    } catch (err) {
      return { up: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  private async spoolState(): Promise<{ writable: boolean; depth: number; bytes: number; maxBytes: number }> {
    const { depth, bytes } = this.spool.stats();
    let writable = bytes < this.spool.maxBytes;
    if (writable) {
      try {
        await this.spool.checkWritable();
      } catch {
        writable = false;
      }
    }
    return { writable, depth, bytes, maxBytes: this.spool.maxBytes };
  }
}
