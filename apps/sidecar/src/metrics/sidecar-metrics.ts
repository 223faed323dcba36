import type { ByteBudget, DiskSpool } from '@tapes/delivery';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProcessingKind } from '../ext-proc/processing-messages';

/** Metric names keep tapes' ext_proc prefix (design §9; tapes `extproc/metrics.go`). */
export const METRIC_PREFIX = 'tapes_extproc_';

/** Results of one POST to ingest, as counted and timed. */
export type DeliveryAttemptResult = 'delivered' | 'duplicate' | 'rejected' | 'unavailable' | 'network_error' | 'timeout' | 'aborted';

/**
 * Everything the sidecar counts. Every exchange ends in exactly one `exchanges_total{outcome}`;
 * every captured turn ends as delivered, spooled or dropped{reason}, and a spooled one later as
 * delivered or dropped (via="spool").
 */
export class SidecarMetrics {
  readonly turnsCaptured: Counter<'provider'>;
  readonly turnsDelivered: Counter<'provider' | 'via'>;
  readonly turnsSpooled: Counter<'provider'>;
  readonly turnsDropped: Counter<'provider' | 'reason'>;
  readonly exchanges: Counter<'outcome'>;
  readonly deliveryAttempts: Counter<'result'>;
  readonly deliveryLatency: Histogram<'result'>;
  readonly inflightExchanges: Gauge;
  private readonly messages: Counter<'kind'>;
  private readonly messageCounters = new Map<string, Counter.Internal>();

  constructor(registry: Registry, budget: ByteBudget, spool: DiskSpool) {
    const registers = [registry];
    const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;
    this.turnsCaptured = new Counter({ name: name('turns_captured_total'), help: 'Exchanges that became a turn and were handed to delivery.', labelNames: ['provider'], registers });
    this.turnsDelivered = new Counter({
      name: name('turns_delivered_total'),
      help: 'Turns ingest accepted (202, duplicates included), directly or from the spool.',
      labelNames: ['provider', 'via'],
      registers,
    });
    this.turnsSpooled = new Counter({ name: name('turns_spooled_total'), help: 'Turns written to the disk spool because ingest was unavailable.', labelNames: ['provider'], registers });
    this.turnsDropped = new Counter({
      name: name('turns_dropped_total'),
      help: 'Exchanges not stored, by reason: not a turn, upstream status, budgets, incomplete, refused by ingest, spool full.',
      labelNames: ['provider', 'reason'],
      registers,
    });
    this.exchanges = new Counter({ name: name('exchanges_total'), help: 'ext_proc streams (HTTP exchanges) by how they ended.', labelNames: ['outcome'], registers });
    this.messages = new Counter({ name: name('messages_total'), help: 'ext_proc messages received, by kind.', labelNames: ['kind'], registers });
    this.deliveryAttempts = new Counter({ name: name('delivery_attempts_total'), help: 'POSTs to ingest, by result.', labelNames: ['result'], registers });
    this.deliveryLatency = new Histogram({
      name: name('delivery_latency_seconds'),
      help: 'Duration of one POST to ingest, by result.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.inflightExchanges = new Gauge({ name: name('inflight_exchanges'), help: 'ext_proc streams open right now.', registers });
    new Gauge({
      name: name('inflight_bytes'),
      help: 'Bytes of the capture budget held by open exchanges and undelivered turns.',
      registers,
      collect() {
        this.set(budget.inUse);
      },
    });
    new Gauge({
      name: name('capture_budget_bytes'),
      help: 'Capacity of the capture budget.',
      registers,
      collect() {
        this.set(budget.capacity);
      },
    });
    new Gauge({
      name: name('spool_depth'),
      help: 'Turns waiting in the disk spool.',
      registers,
      collect() {
        this.set(spool.stats().depth);
      },
    });
    new Gauge({
      name: name('spool_bytes'),
      help: 'Bytes the disk spool occupies.',
      registers,
      collect() {
        this.set(spool.stats().bytes);
      },
    });
    new Gauge({
      name: name('spool_quarantined_files'),
      help: 'Damaged spool files moved to quarantine/ since start (found at start-up or on read).',
      registers,
      collect() {
        this.set(spool.quarantined);
      },
    });
  }

  /** Per message on the hot path: the labelled child is looked up once per kind. */
  message(kind: ProcessingKind | 'unknown'): void {
    let counter = this.messageCounters.get(kind);
    if (!counter) {
      counter = this.messages.labels(kind);
      this.messageCounters.set(kind, counter);
    }
    counter.inc();
  }
}
