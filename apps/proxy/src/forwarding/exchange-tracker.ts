import { Injectable } from '@nestjs/common';

/** One exchange in flight, as shutdown sees it. */
export interface TrackedExchange {
  /** Cuts the exchange short: the upstream request is aborted and the client's response ended. */
  abort(reason: string): void;
}

/**
 * The exchanges in flight, so shutdown can let them finish (bounded) and then cut the rest. A cut
 * exchange still hands its partial turn to capture, which is why shutdown drains capture after it.
 */
@Injectable()
export class ExchangeTracker {
  private readonly active = new Set<TrackedExchange>();
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.active.size;
  }

  add(exchange: TrackedExchange): void {
    this.active.add(exchange);
  }

  delete(exchange: TrackedExchange): void {
    if (!this.active.delete(exchange) || this.active.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passed first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.active.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(wake);
    });
  }

  abortAll(reason: string): void {
    for (const exchange of [...this.active]) exchange.abort(reason);
  }
}
