/**
 * Steady traffic for the fault suite: `total` exchanges, at most `concurrency` at once, a new one
 * started at most every `intervalMs` (load shaping, so an outage falls in the middle of the
 * traffic rather than after it; nothing is asserted about time). `reached(k)` resolves once k
 * exchanges have completed, so a fault can be injected at a point of the traffic, not of the clock.
 */
export class Traffic {
  /** What went wrong for a client (the forwarding guarantee: must stay empty where promised). */
  readonly failures: string[] = [];
  private completed = 0;
  private readonly waiters: Array<{ at: number; resolve: () => void }> = [];

  constructor(
    readonly total: number,
    private readonly options: { concurrency: number; intervalMs: number },
    private readonly exchange: (index: number) => Promise<void>,
  ) {}

  get done(): number {
    return this.completed;
  }

  reached(count: number): Promise<void> {
    if (this.completed >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ at: count, resolve }));
  }

  /** Runs every exchange; a failing one is recorded in `failures`, never thrown. */
  async run(): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.total) {
        const index = next++;
        const started = Date.now();
        try {
          await this.exchange(index);
        } catch (err) {
          this.failures.push(`#${index}: ${err instanceof Error ? err.message : String(err)}`);
        }
        this.completed += 1;
        for (const waiter of this.waiters.filter((w) => w.at <= this.completed)) waiter.resolve();
        const pause = this.options.intervalMs * this.options.concurrency - (Date.now() - started);
        if (pause > 0 && next < this.total) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}
