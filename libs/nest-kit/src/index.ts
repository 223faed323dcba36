export { TAPES_CONFIG, ConfigError, parseConfig } from './lib/config';
export { port, positiveInt, logLevel, httpUrl, databaseUrl, byteSize, parseByteSize } from './lib/env-schema';
export { METRICS_REGISTRY, TAPES_VERSION, createMetricsRegistry, MetricsModule } from './lib/metrics';
export { tapesLoggerModule } from './lib/logger';
export { HTTP_STATUS, TapesError, TapesExceptionFilter } from './lib/errors';
export type { TapesErrorCode, ErrorBody } from './lib/errors';
export { REDUCERS, CaptureModule } from './lib/capture.module';
