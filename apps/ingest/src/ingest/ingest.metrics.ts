import { Inject, Injectable } from '@nestjs/common';
import { isProvider } from '@tapes/capture';
import { METRICS_REGISTRY, turnsDroppedCounter } from '@tapes/nest-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The `status` label of `tapes_ingest_writes_total` (tapes' vocabulary, plus what #192 lacked). */
export type WriteStatus =
  | 'accepted'
  | 'duplicate'
  | 'reject_envelope'
  | 'reject_parse'
  | 'reject_too_large'
  | 'reject_auth'
  | 'reject_conflict'
  | 'unknown_provider'
  | 'non_turn_request'
  | 'upstream_status'
  | 'downstream_error'
  /** The decode budget was spent: answered 503, the client comes back (#12). */
  | 'overloaded';

/**
 * The write statuses that mean the posted turn is not stored and will not be sent again: counted
 * under `tapes_ingest_turns_dropped_total{provider,reason}` too, the label set the proxy and the
 * sidecar drop turns with. `accepted`/`duplicate` are stored; `downstream_error` and `overloaded`
 * are answered 503 and come back.
 */
const DROPPED: ReadonlySet<WriteStatus> = new Set<WriteStatus>(['reject_envelope', 'reject_parse', 'reject_too_large', 'reject_auth', 'reject_conflict', 'unknown_provider', 'non_turn_request', 'upstream_status']);

/** prometheus `ExponentialBucketsRange(256, 16 MiB, 12)`, as tapes uses for body sizes. */
function exponentialBucketsRange(min: number, max: number, count: number): number[] {
  const growth = Math.pow(max / min, 1 / (count - 1));
  return Array.from({ length: count }, (_, i) => min * Math.pow(growth, i));
}

/**
 * Ingest's metrics, keeping tapes' names (ref §6.5) so existing dashboards work. Every path feeds
 * them — single, batch, and the rejections the framework answers before a handler runs (413/415).
 */
@Injectable()
export class IngestMetrics {
  readonly writes: Counter<'provider' | 'status'>;
  /** Posted turns not stored, by reason (the write status): the same counter as the capture sites'. */
  readonly turnsDropped: Counter<'provider' | 'reason'>;
  readonly dagWriteSeconds: Histogram<'provider'>;
  readonly bodyBytes: Histogram<'provider'>;
  readonly inFlight: Gauge;
  readonly batches: Counter<'status'>;
  readonly batchTurns: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.writes = new Counter({ name: 'tapes_ingest_writes_total', help: 'Turns posted to ingest, by provider and outcome.', labelNames: ['provider', 'status'], registers });
    this.turnsDropped = turnsDroppedCounter(registry, 'tapes_ingest_');
    this.dagWriteSeconds = new Histogram({
      name: 'tapes_ingest_dag_write_seconds',
      help: 'Time to reduce a turn and commit its nodes and raw record.',
      labelNames: ['provider'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.bodyBytes = new Histogram({
      name: 'tapes_ingest_body_bytes',
      help: 'Size of accepted turns as posted (the envelope, or the item of a batch).',
      labelNames: ['provider'],
      buckets: exponentialBucketsRange(256, 16 * 1024 * 1024, 12),
      registers,
    });
    this.inFlight = new Gauge({ name: 'tapes_ingest_worker_queue_depth', help: 'Turns being reduced and written right now (tapes name kept).', registers });
    this.batches = new Counter({ name: 'tapes_ingest_batches_total', help: 'Batch requests by HTTP outcome.', labelNames: ['status'], registers });
    this.batchTurns = new Histogram({ name: 'tapes_ingest_batch_turns', help: 'Turns per batch request.', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500], registers });
    // Render the label sets operators alert on even before the first write.
    for (const status of ['accepted', 'downstream_error'] as const) this.writes.inc({ provider: 'unknown', status }, 0);
  }

  /** Bounded label cardinality: anything but a known provider is `unknown`. */
  static providerLabel(provider: unknown): string {
    return isProvider(provider) ? provider : 'unknown';
  }

  write(provider: unknown, status: WriteStatus): void {
    const label = IngestMetrics.providerLabel(provider);
    this.writes.inc({ provider: label, status });
    if (DROPPED.has(status)) this.turnsDropped.inc({ provider: label, reason: status });
  }
}
