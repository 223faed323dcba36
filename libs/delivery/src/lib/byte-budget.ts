/**
 * A non-blocking counter of bytes held in memory by in-flight work (captured turns waiting to be
 * delivered). Capture sites ask before holding more; a refusal means "drop this turn and count
 * it" (`capture_budget`), never "wait": forwarding must not depend on delivery keeping up.
 *
 * Single-threaded by construction (one event loop), so acquire/release need no locking.
 */
export class ByteBudget {
  private used = 0;
  private high = 0;

  constructor(readonly capacity: number) {
    if (!Number.isFinite(capacity) || capacity < 0) throw new RangeError(`byte budget capacity must be a non-negative number, got ${capacity}`);
  }

  /** Reserves `bytes` if they fit; false (and nothing reserved) if they do not. */
  tryAcquire(bytes: number): boolean {
    assertByteCount(bytes);
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    if (this.used > this.high) this.high = this.used;
    return true;
  }

  /**
   * Returns bytes previously acquired. Releasing more than is held is a caller bug; it throws so
   * that a double release cannot silently inflate the budget.
   */
  release(bytes: number): void {
    assertByteCount(bytes);
    if (bytes > this.used) throw new RangeError(`released ${bytes} bytes but only ${this.used} are held`);
    this.used -= bytes;
  }

  get inUse(): number {
    return this.used;
  }

  get available(): number {
    return this.capacity - this.used;
  }

  /** The most ever held at once (for tests and the in-flight gauge's sanity). */
  get peak(): number {
    return this.high;
  }
}

function assertByteCount(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`byte count must be a non-negative integer, got ${bytes}`);
}
