import { Inject, Injectable } from '@nestjs/common';
import type { DropReason } from '@tapes/capture';
import { METRICS_REGISTRY } from '@tapes/nest-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const METRICS_PREFIX = 'tapes_proxy_';

/** Latencies of a local proxy hop: sub-millisecond to minutes-long model thinking. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Every metric the proxy exports (design §9: `tapes_proxy_*`). Labels are bounded: providers are
 * the three known ones, statuses are HTTP codes, reasons come from the drop-reason union.
 */
@Injectable()
export class ProxyMetrics {
  readonly requests: Counter<'provider' | 'status'>;
  readonly turnsCaptured: Counter<'provider' | 'outcome'>;
  readonly turnsStored: Counter<'result'>;
  readonly turnsDropped: Counter<'reason'>;
  readonly turnsSpooled: Counter;
  readonly spoolDepth: Gauge;
  readonly spoolBytes: Gauge;
  readonly queueBytes: Gauge;
  readonly upstreamLatency: Histogram<'provider'>;
  readonly timeToFirstByte: Histogram<'provider'>;

  private readonly sources: { spool: () => { depth: number; bytes: number }; queueBytes: () => number } = {
    spool: () => ({ depth: 0, bytes: 0 }),
    queueBytes: () => 0,
  };

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: `${METRICS_PREFIX}requests_total`,
      help: 'Proxied exchanges by provider and the status the client got (502/504 when the proxy answered).',
      labelNames: ['provider', 'status'],
      registers,
    });
    this.turnsCaptured = new Counter({
      name: `${METRICS_PREFIX}turns_captured_total`,
      help: 'Turns captured and handed to storage, by outcome (complete, partial, unreduced).',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.turnsStored = new Counter({
      name: `${METRICS_PREFIX}turns_stored_total`,
      help: 'Turns written to storage (result: stored, or duplicate when a retried turn was already there).',
      labelNames: ['result'],
      registers,
    });
    this.turnsDropped = new Counter({
      name: `${METRICS_PREFIX}turns_dropped_total`,
      help: 'Exchanges not recorded as turns, by reason (non_turn_request and upstream_status are by design).',
      labelNames: ['reason'],
      registers,
    });
    this.turnsSpooled = new Counter({
      name: `${METRICS_PREFIX}turns_spooled_total`,
      help: 'Turns written to the on-disk spool because storage was unavailable.',
      registers,
    });
    // Gauges read their owner's live value at scrape time, so they can never drift from it.
    const sources = this.sources;
    this.spoolDepth = new Gauge({
      name: `${METRICS_PREFIX}spool_depth`,
      help: 'Turns waiting in the on-disk spool.',
      registers,
      collect() {
        this.set(sources.spool().depth);
      },
    });
    this.spoolBytes = new Gauge({
      name: `${METRICS_PREFIX}spool_bytes`,
      help: 'Bytes the on-disk spool occupies.',
      registers,
      collect() {
        this.set(sources.spool().bytes);
      },
    });
    this.queueBytes = new Gauge({
      name: `${METRICS_PREFIX}queue_bytes`,
      help: 'Capture bytes held in memory (exchanges in flight plus turns waiting for storage).',
      registers,
      collect() {
        this.set(sources.queueBytes());
      },
    });
    this.upstreamLatency = new Histogram({
      name: `${METRICS_PREFIX}upstream_latency_seconds`,
      help: 'From receiving a request to the upstream response headers.',
      labelNames: ['provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.timeToFirstByte = new Histogram({
      name: `${METRICS_PREFIX}time_to_first_byte_seconds`,
      help: 'From receiving a request to the first response body byte relayed to the client.',
      labelNames: ['provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** Where the spool gauges read from (the spool's owner registers itself once it is open). */
  observeSpool(read: () => { depth: number; bytes: number }): void {
    this.sources.spool = read;
  }

  observeQueueBytes(read: () => number): void {
    this.sources.queueBytes = read;
  }

  dropped(reason: DropReason): void {
    this.turnsDropped.inc({ reason });
  }
}
