import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ByteBudget } from '@tapes/delivery';
import { TURN_STORE } from '@tapes/nest-kit';
import type { TurnStore } from '@tapes/storage';
import { TurnDelivery } from '../capture/turn-delivery';

/** Whether turns are kept, as the health routes report it. */
@Injectable()
export class CaptureHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(TURN_STORE) private readonly store: TurnStore,
    private readonly delivery: TurnDelivery,
    private readonly budget: ByteBudget,
  ) {}

  /**
   * Up while every captured turn is kept safely: the journal can be written (storage may be away —
   * turns wait in the journal for it). Down, with the reason, while the journal cannot be written
   * (unwritable directory, full disk): turns are then held only in memory, and lost to a crash.
   */
  async readiness(): Promise<HealthIndicatorResult<'capture'>> {
    const session = this.indicator.check('capture');
    const storage = await this.storageState();
    const journal = this.delivery.stats();
    const data = {
      storage: storage.up ? 'up' : 'down',
      ...(storage.up ? {} : { storageError: storage.message }),
      journal: journal.journal,
      ...(journal.journalError ? { journalError: journal.journalError } : {}),
      waiting: journal.depth,
      journalBytes: journal.bytes,
      captureBytes: this.budget.inUse,
    };
    return journal.journal === 'ok' ? session.up(data) : session.down(data);
  }

  async storage(): Promise<HealthIndicatorResult<'storage'>> {
    const session = this.indicator.check('storage');
    const storage = await this.storageState();
    return storage.up ? session.up({ backend: this.store.backend }) : session.down({ backend: this.store.backend, message: storage.message });
  }

  /**
   * Down when the database does not answer, and also when it answers but refuses the turns (a full
   * disk lets SELECT 1 through while every write fails, #12): what the deliveries last saw counts.
   */
  private async storageState(): Promise<{ up: true } | { up: false; message: string }> {
    try {
      await this.store.ping();
    } catch (err) {
      return { up: false, message: err instanceof Error ? err.message : String(err) };
    }
    const writes = this.delivery.storageProblem;
    return writes ? { up: false, message: `storing turns fails: ${writes}` } : { up: true };
  }
}
