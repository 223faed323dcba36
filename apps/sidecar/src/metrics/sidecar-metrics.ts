import { CaptureMetrics, type CaptureGaugeSources } from '@tapes/nest-kit';
import type { ByteBudget } from '@tapes/delivery';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProcessingKind } from '@tapes/ext-proc';
import type { IngestPostResult } from '../delivery/ingest-client';

/** Metric names keep tapes' ext_proc prefix (design §9; tapes `extproc/metrics.go`). */
export const METRIC_PREFIX = 'tapes_extproc_';

/** Results of one POST to ingest, as counted and timed. */
export type DeliveryAttemptResult = 'delivered' | 'duplicate' | 'rejected' | 'unavailable' | 'network_error' | 'timeout' | 'aborted';

/**
 * Everything the sidecar counts: the turn counters every capture site shares
 * ({@link CaptureMetrics}: captured → delivered, or dropped{reason}; backlogged while ingest is
 * away), and its own — every exchange ends in exactly one `exchanges_total{outcome}`, messages by
 * kind, POSTs to ingest by result and duration.
 */
export class SidecarMetrics {
  readonly capture: CaptureMetrics;
  readonly exchanges: Counter<'outcome'>;
  readonly deliveryAttempts: Counter<'result'>;
  readonly deliveryLatency: Histogram<'result'>;
  readonly inflightExchanges: Gauge;
  private readonly messages: Counter<'kind'>;
  private readonly messageCounters = new Map<string, Counter.Internal>();
  private sources: CaptureGaugeSources;

  constructor(registry: Registry, budget: ByteBudget) {
    const registers = [registry];
    const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;
    this.sources = { journal: () => ({ depth: 0, bytes: 0, journal: 'ok' }), captureBytes: () => budget.inUse };
    this.capture = new CaptureMetrics(registry, METRIC_PREFIX, { journal: () => this.sources.journal(), captureBytes: () => this.sources.captureBytes() });
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
      name: name('capture_budget_bytes'),
      help: 'Capacity of the capture budget.',
      registers,
      collect() {
        this.set(budget.capacity);
      },
    });
  }

  /** Where the capture gauges read from (delivery registers once its journal is open). */
  observe(sources: Partial<CaptureGaugeSources>): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** One POST to ingest, counted and timed by its result. */
  async timedPost(post: () => Promise<IngestPostResult>): Promise<IngestPostResult> {
    const started = process.hrtime.bigint();
    const result = await post();
    const attempt = attemptResult(result);
    this.deliveryAttempts.inc({ result: attempt });
    this.deliveryLatency.observe({ result: attempt }, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
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

function attemptResult(result: IngestPostResult): DeliveryAttemptResult {
  switch (result.verdict) {
    case 'delivered':
      return result.duplicate ? 'duplicate' : 'delivered';
    case 'reject':
      return 'rejected';
    case 'retry':
      return result.cause;
  }
}
