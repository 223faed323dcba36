import path from 'node:path';
import { z } from 'zod';
import { byteSize, duration, httpUrl, logFormat, logLevel, port, positiveDuration, positiveInt, withEnvAliases, type EnvAlias, type LogFormat } from '@tapes/nest-kit';

const MiB = 1024 * 1024;

const host = (fallback: string) => z.string().trim().min(1, 'must be a host name or address').default(fallback);

/** The sidecar's validated configuration, provided under `TAPES_CONFIG` (docs/configuration.md lists every setting). */
export interface SidecarConfig {
  /** Where Envoy's ext_proc cluster connects (h2c). */
  grpc: Readonly<{ host: string; port: number; /** Largest ext_proc message accepted. */ maxMessageBytes: number }>;
  /** /health and /metrics. */
  http: Readonly<{ host: string; port: number }>;
  ingest: Readonly<{
    /** Base URL of tapes ingest, no trailing slash; turns are posted to `${url}/v1/ingest`. */
    url: string;
    /** Sent as `Authorization: Bearer …` when set. Never logged. */
    token: string | undefined;
    connectTimeoutMs: number;
    /** One POST, headers and body, end to end. */
    timeoutMs: number;
    /** Keep-alive connections to ingest. */
    connections: number;
  }>;
  /** Backoff: upper bound of the first retry's delay, doubling up to the max (full jitter). */
  delivery: Readonly<{ retryInitialMs: number; retryMaxMs: number }>;
  /** Absolute: the journal (spool) lives in `<dataDir>/spool` unless the deprecated SPOOL_DIR says otherwise. */
  dataDir: string;
  /** Absolute: where undeliverable turns wait; survives restarts (mount a volume in a cluster). */
  spoolDir: string;
  limits: Readonly<{
    /** Bytes all in-flight exchanges and undelivered turns may hold in memory; past it turns are dropped (`capture_budget`). */
    captureQueueBytes: number;
    /** Largest request or response body one exchange captures (`request_over_budget` / `response_over_budget` past it). */
    maxCaptureBodyBytes: number;
    /** Disk bytes the spool may hold while ingest is away; over it a turn is dropped (`spool_full`). */
    spoolMaxBytes: number;
    /** On SIGTERM: how long open ext_proc streams may still finish before they are cut (and their turns spooled). */
    shutdownGraceMs: number;
  }>;
  logLevel: string;
  /** `pretty` lines for a terminal, `json` for collectors; `auto` picks by whether stdout is a TTY. */
  logFormat: LogFormat;
}

/**
 * Every setting of the sidecar, read once from the environment. All optional: no configuration
 * gives a local setup (gRPC on 127.0.0.1:50051, metrics and health on 127.0.0.1:9090, ingest on
 * 127.0.0.1:8082, spool under ./.tapes/spool). The container image sets the hosts to 0.0.0.0.
 * Knobs the proxy has too carry the proxy's names and units (#11).
 */
export const sidecarSettings = z.object({
  SIDECAR_GRPC_HOST: host('127.0.0.1'),
  SIDECAR_GRPC_PORT: port(50051),
  SIDECAR_HTTP_HOST: host('127.0.0.1'),
  SIDECAR_HTTP_PORT: port(9090),
  /** A buffered body arrives as one message; Anthropic allows 32 MB requests. */
  GRPC_MAX_MESSAGE_BYTES: byteSize(64 * MiB),

  INGEST_URL: httpUrl.default('http://127.0.0.1:8082'),
  INGEST_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
  INGEST_CONNECT_TIMEOUT: positiveDuration(5_000),
  INGEST_TIMEOUT: positiveDuration(30_000),
  INGEST_CONNECTIONS: positiveInt(8),

  DELIVERY_RETRY_INITIAL: positiveDuration(500),
  DELIVERY_RETRY_MAX: positiveDuration(30_000),

  TAPES_DATA_DIR: z.string().trim().default('.tapes'),
  /** Deprecated: the journal directory itself (before #11); overrides `<TAPES_DATA_DIR>/spool` when set. */
  SPOOL_DIR: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined),
  TAPES_SPOOL_MAX_BYTES: byteSize(1024 * MiB),

  TAPES_CAPTURE_QUEUE_BYTES: byteSize(256 * MiB),
  TAPES_MAX_CAPTURE_BODY_BYTES: byteSize(64 * MiB),

  TAPES_SHUTDOWN_GRACE: duration(10_000),
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
});

/** The sidecar's names before #11, still accepted (docs/configuration.md). */
export const sidecarAliases: readonly EnvAlias[] = [
  { old: 'INGEST_CONNECT_TIMEOUT_MS', name: 'INGEST_CONNECT_TIMEOUT', unit: 'ms' },
  { old: 'INGEST_TIMEOUT_MS', name: 'INGEST_TIMEOUT', unit: 'ms' },
  { old: 'DELIVERY_RETRY_INITIAL_MS', name: 'DELIVERY_RETRY_INITIAL', unit: 'ms' },
  { old: 'DELIVERY_RETRY_MAX_MS', name: 'DELIVERY_RETRY_MAX', unit: 'ms' },
  { old: 'SPOOL_MAX_BYTES', name: 'TAPES_SPOOL_MAX_BYTES', unit: 'bytes' },
  { old: 'CAPTURE_BUDGET_BYTES', name: 'TAPES_CAPTURE_QUEUE_BYTES', unit: 'bytes' },
  { old: 'CAPTURE_MAX_BODY_BYTES', name: 'TAPES_MAX_CAPTURE_BODY_BYTES', unit: 'bytes' },
  { old: 'SHUTDOWN_GRACE_MS', name: 'TAPES_SHUTDOWN_GRACE', unit: 'ms' },
  {
    old: 'SPOOL_DIR',
    name: 'TAPES_DATA_DIR',
    unit: 'kept',
    hint: 'set TAPES_DATA_DIR instead; the spool is <TAPES_DATA_DIR>/spool (SPOOL_DIR, while set, still names the spool directory itself and wins)',
  },
];

export const sidecarConfigSchema = withEnvAliases(
  sidecarSettings.transform(
    (env): SidecarConfig => ({
      grpc: { host: env.SIDECAR_GRPC_HOST, port: env.SIDECAR_GRPC_PORT, maxMessageBytes: env.GRPC_MAX_MESSAGE_BYTES },
      http: { host: env.SIDECAR_HTTP_HOST, port: env.SIDECAR_HTTP_PORT },
      ingest: { url: env.INGEST_URL, token: env.INGEST_TOKEN, connectTimeoutMs: env.INGEST_CONNECT_TIMEOUT, timeoutMs: env.INGEST_TIMEOUT, connections: env.INGEST_CONNECTIONS },
      delivery: { retryInitialMs: env.DELIVERY_RETRY_INITIAL, retryMaxMs: env.DELIVERY_RETRY_MAX },
      dataDir: path.resolve(env.TAPES_DATA_DIR || '.tapes'),
      spoolDir: path.resolve(env.SPOOL_DIR ?? path.join(env.TAPES_DATA_DIR || '.tapes', 'spool')),
      limits: {
        captureQueueBytes: env.TAPES_CAPTURE_QUEUE_BYTES,
        maxCaptureBodyBytes: env.TAPES_MAX_CAPTURE_BODY_BYTES,
        spoolMaxBytes: env.TAPES_SPOOL_MAX_BYTES,
        shutdownGraceMs: env.TAPES_SHUTDOWN_GRACE,
      },
      logLevel: env.LOG_LEVEL,
      logFormat: env.LOG_FORMAT,
    }),
  ),
  sidecarAliases,
);
