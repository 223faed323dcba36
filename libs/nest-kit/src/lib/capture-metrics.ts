import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * `<prefix>turns_dropped_total{provider,reason}`: exchanges or posted turns not stored as turns,
 * by reason. One definition for every app that drops turns — the capture sites (proxy, sidecar)
 * and ingest — so a drop is counted with the same name and label set everywhere (#11).
 */
export function turnsDroppedCounter(registry: Registry, prefix: string): Counter<'provider' | 'reason'> {
  return new Counter({
    name: `${prefix}turns_dropped_total`,
    help: 'Exchanges not stored as turns, by reason (non_turn_request and upstream_status are by design).',
    labelNames: ['provider', 'reason'],
    registers: [registry],
  });
}

/** What the capture gauges read at scrape time. */
export interface CaptureGaugeSources {
  /** Turns waiting in the journal (captured, not yet confirmed by storage or ingest), and their bytes. */
  journal(): { depth: number; bytes: number; journal: 'ok' | 'unavailable' };
  /** Capture bytes held in memory (exchanges in flight, turns about to be delivered). */
  captureBytes(): number;
}

/**
 * The turn counters and gauges every capture site exports with the same names and label sets
 * (`tapes_<app>_turns_*`), so one dashboard and one alert serve the proxy and the sidecar:
 * captured → delivered, or dropped under a reason; backlogged when the store was away.
 */
export class CaptureMetrics {
  /** Exchanges that became a turn and were handed to delivery. */
  readonly turnsCaptured: Counter<'provider'>;
  /** Turns the store (the database, or ingest) confirmed: `result` stored or duplicate, `via` direct or backlog. */
  readonly turnsDelivered: Counter<'provider' | 'outcome' | 'via' | 'result'>;
  /** Exchanges not stored as turns, by reason (non_turn_request and upstream_status are by design). */
  readonly turnsDropped: Counter<'provider' | 'reason'>;
  /** Turns that had to wait in the journal because the store was away. */
  readonly turnsBacklogged: Counter<'provider'>;

  constructor(registry: Registry, prefix: string, sources: CaptureGaugeSources) {
    const registers = [registry];
    this.turnsCaptured = new Counter({ name: `${prefix}turns_captured_total`, help: 'Exchanges that became a turn and were handed to delivery (journaled first).', labelNames: ['provider'], registers });
    this.turnsDelivered = new Counter({
      name: `${prefix}turns_delivered_total`,
      help: 'Turns the store confirmed, by outcome (complete, partial, unreduced), via (direct, backlog) and result (stored, duplicate).',
      labelNames: ['provider', 'outcome', 'via', 'result'],
      registers,
    });
    this.turnsDropped = turnsDroppedCounter(registry, prefix);
    this.turnsBacklogged = new Counter({ name: `${prefix}turns_backlogged_total`, help: 'Turns that waited in the journal because the store was unavailable.', labelNames: ['provider'], registers });
    // Gauges read their owner's live value at scrape time, so they can never drift from it.
    new Gauge({
      name: `${prefix}spool_depth`,
      help: 'Turns waiting in the journal: captured, not yet confirmed by the store.',
      registers,
      collect() {
        this.set(sources.journal().depth);
      },
    });
    new Gauge({
      name: `${prefix}spool_bytes`,
      help: 'Bytes of the turns waiting in the journal.',
      registers,
      collect() {
        this.set(sources.journal().bytes);
      },
    });
    new Gauge({
      name: `${prefix}journal_up`,
      help: '1 while the journal can be written; 0 while turns are kept in memory only (unwritable directory, full disk).',
      registers,
      collect() {
        this.set(sources.journal().journal === 'ok' ? 1 : 0);
      },
    });
    new Gauge({
      name: `${prefix}capture_bytes`,
      help: 'Capture bytes held in memory (exchanges in flight, turns about to be delivered).',
      registers,
      collect() {
        this.set(sources.captureBytes());
      },
    });
  }

  dropped(provider: string | undefined, reason: string): void {
    this.turnsDropped.inc({ provider: provider ?? 'unknown', reason });
  }
}
