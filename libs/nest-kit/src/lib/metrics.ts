import { Controller, Get, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** The injection token of an app's prom-client registry. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export const TAPES_VERSION = process.env['TAPES_VERSION'] ?? '0.1.0';

/**
 * A registry per app instance (never prom-client's global one, so tests and several apps in one
 * process do not share counters), with the default process metrics and `<prefix>build_info`.
 */
export function createMetricsRegistry(options: { app: string; prefix: string }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: options.app });
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: `${options.prefix}build_info`,
    help: 'Build information; the value is always 1.',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  info.set({ version: TAPES_VERSION, node: process.version }, 1);
  return registry;
}

@Controller()
class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Provides the app's registry under {@link METRICS_REGISTRY} and serves it at GET /metrics. */
@Module({})
export class MetricsModule {
  static register(options: { app: string; prefix: string; registry?: Registry }): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [{ provide: METRICS_REGISTRY, useValue: options.registry ?? createMetricsRegistry(options) }],
      exports: [METRICS_REGISTRY],
    };
  }
}
