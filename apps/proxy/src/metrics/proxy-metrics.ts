import { Inject, Injectable } from '@nestjs/common';
import { CaptureMetrics, METRICS_REGISTRY, type CaptureGaugeSources } from '@tapes/nest-kit';
import { Counter, Histogram, type Registry } from 'prom-client';

export const METRICS_PREFIX = 'tapes_proxy_';

/** Latencies of a local proxy hop: sub-millisecond to minutes-long model thinking. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Every metric the proxy exports (design §9: `tapes_proxy_*`): its own forwarding metrics, and the
 * turn counters and gauges every capture site shares ({@link CaptureMetrics}). Labels are bounded:
 * providers are the shipped ones, statuses HTTP codes, reasons the drop-reason union.
 */
@Injectable()
export class ProxyMetrics {
  readonly requests: Counter<'provider' | 'status'>;
  readonly upstreamLatency: Histogram<'provider'>;
  readonly timeToFirstByte: Histogram<'provider'>;
  readonly connectionsRefused: Counter;
  readonly capture: CaptureMetrics;

  private sources: CaptureGaugeSources = { journal: () => ({ depth: 0, bytes: 0, journal: 'ok' }), captureBytes: () => 0 };

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: `${METRICS_PREFIX}requests_total`,
      help: 'Proxied exchanges by provider and the status the client got (502/504 when the proxy answered).',
      labelNames: ['provider', 'status'],
      registers,
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
    this.connectionsRefused = new Counter({
      name: `${METRICS_PREFIX}connections_refused_total`,
      help: 'Client connections closed at accept because TAPES_MAX_CONNECTIONS were already open.',
      registers,
    });
    this.capture = new CaptureMetrics(registry, METRICS_PREFIX, { journal: () => this.sources.journal(), captureBytes: () => this.sources.captureBytes() });
  }

  /** Where the capture gauges read from (their owners register once they exist). */
  observe(sources: Partial<CaptureGaugeSources>): void {
    this.sources = { ...this.sources, ...sources };
  }
}
