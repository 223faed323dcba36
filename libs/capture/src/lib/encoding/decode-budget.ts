/**
 * The memory all concurrent decodes of a process may hold (#12). A capture site that decodes many
 * bodies at once (ingest: one per request in flight) counts every decoded byte against one budget
 * as it is produced, so a burst of decompression bombs cannot add up past it.
 *
 * Admission is all-or-nothing, growth is best effort — so no set of decodes can starve each other
 * into a livelock of half-done work:
 * - before decoding, a body reserves what it will most likely need ({@link initialReservation}:
 *   64× its encoded size, LLM traffic compresses 20–30×, within the per-body cap). No room →
 *   {@link DecodeMemoryExhaustedError} before any work is done: a transient refusal (ingest answers
 *   503 with Retry-After), not a verdict on the turn;
 * - a body that decodes past its reservation (a bomb, or an unusually compressible body) takes more
 *   chunk by chunk while the budget has room, and stops as `oversize` where it has none — as it
 *   would at its per-body cap. Its raw bytes are kept (stored `unreduced` with the diagnostic),
 *   so it can be derived again later; it never takes the share others reserved.
 *
 * The shape of libs/delivery's ByteBudget, which apps pass in (capture does not depend on delivery).
 */
export interface DecodeBudget {
  readonly capacity: number;
  /** Reserves `bytes` if they fit; false (and nothing reserved) if they do not. */
  tryAcquire(bytes: number): boolean;
  release(bytes: number): void;
}

/** The decode budget cannot admit this body now: try again once other decodes have finished. */
export class DecodeMemoryExhaustedError extends Error {
  override readonly name = 'DecodeMemoryExhaustedError';
}

/** Decoded bytes reserved per encoded byte before decoding starts. */
const EXPECTED_RATIO = 64;
/** The least a coded body reserves (a tiny body's decode still allocates codec buffers). */
const MIN_RESERVATION = 256 * 1024;

/** What a body of `encodedBytes` reserves before it is decoded: 64× its size, within [256 KiB, cap]. */
export function initialReservation(encodedBytes: number, maxDecodedBytes: number): number {
  return Math.min(maxDecodedBytes, Math.max(MIN_RESERVATION, encodedBytes * EXPECTED_RATIO));
}

/** What one decode holds against the budget; released once, when its decoded bytes are let go. */
export class HeldDecodeBytes {
  private held = 0;
  /** Reserved and not yet filled by decoded bytes. */
  private unused = 0;

  /** Reserves `reservation` up front; throws {@link DecodeMemoryExhaustedError} when the budget cannot. */
  constructor(
    private readonly budget: DecodeBudget | undefined,
    reservation: number,
  ) {
    if (!budget || reservation <= 0) return;
    if (!budget.tryAcquire(reservation)) {
      throw new DecodeMemoryExhaustedError(`decoding this body needs ${reservation} bytes of decode memory and the ${budget.capacity} there are are in use; try again shortly`);
    }
    this.held = reservation;
    this.unused = reservation;
  }

  /** Counts a decoded chunk: from the reservation, then from the budget; false when it has no room left. */
  take(bytes: number): boolean {
    if (!this.budget || bytes <= this.unused) {
      this.unused -= this.budget ? bytes : 0;
      return true;
    }
    const more = bytes - this.unused;
    if (!this.budget.tryAcquire(more)) return false;
    this.held += more;
    this.unused = 0;
    return true;
  }

  release(): void {
    if (this.held > 0) this.budget?.release(this.held);
    this.held = 0;
    this.unused = 0;
  }
}
