import { Global, Module } from '@nestjs/common';
import { ProxyMetrics } from './proxy-metrics';

/** The proxy's metric set, shared by forwarding and capture (the registry comes from MetricsModule). */
@Global()
@Module({ providers: [ProxyMetrics], exports: [ProxyMetrics] })
export class ProxyMetricsModule {}
