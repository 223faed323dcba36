import { z } from 'zod';
import { logFormat, byteSize, httpUrl, logLevel, port, positiveInt } from '@tapes/nest-kit';

const MiB = 1024 * 1024;

const host = (fallback: string) => z.string().trim().min(1, 'must be a host name or address').default(fallback);

/**
 * Every setting of the sidecar, read once from the environment. All optional: no configuration
 * gives a local setup (gRPC on 127.0.0.1:50051, metrics and health on 127.0.0.1:9090, ingest on
 * 127.0.0.1:8082, spool under ./.tapes). The container image sets the hosts to 0.0.0.0.
 */
export const sidecarConfigSchema = z.object({
  /** Where Envoy's ext_proc cluster connects (h2c). */
  SIDECAR_GRPC_HOST: host('127.0.0.1'),
  SIDECAR_GRPC_PORT: port(50051),
  /** /health and /metrics. */
  SIDECAR_HTTP_HOST: host('127.0.0.1'),
  SIDECAR_HTTP_PORT: port(9090),
  /** Largest ext_proc message accepted. A buffered body arrives as one message; Anthropic allows 32 MB requests. */
  GRPC_MAX_MESSAGE_BYTES: byteSize(64 * MiB),

  /** Base URL of tapes ingest; turns are posted to `${INGEST_URL}/v1/ingest`. */
  INGEST_URL: httpUrl.default('http://127.0.0.1:8082'),
  /** Sent as `Authorization: Bearer …` when set. Never logged. */
  INGEST_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
  INGEST_CONNECT_TIMEOUT_MS: positiveInt(5_000),
  /** One POST, headers and body, end to end. */
  INGEST_TIMEOUT_MS: positiveInt(30_000),
  /** Keep-alive connections to ingest. */
  INGEST_CONNECTIONS: positiveInt(8),

  /** Backoff: upper bound of the first retry's delay, doubling up to the max (full jitter). */
  DELIVERY_RETRY_INITIAL_MS: positiveInt(500),
  DELIVERY_RETRY_MAX_MS: positiveInt(30_000),

  /** Undeliverable turns wait here; survives restarts (mount a volume in a cluster). */
  SPOOL_DIR: z.string().trim().min(1).default('./.tapes/sidecar-spool'),
  SPOOL_MAX_BYTES: byteSize(1024 * MiB),

  /** Bytes all in-flight exchanges and undelivered turns may hold in memory; past it turns are dropped (`capture_budget`). */
  CAPTURE_BUDGET_BYTES: byteSize(256 * MiB),
  /** Largest request or response body one exchange captures (`request_over_budget` / `response_over_budget` past it). */
  CAPTURE_MAX_BODY_BYTES: byteSize(64 * MiB),

  /** On SIGTERM: how long open ext_proc streams may still finish before they are cut (and their turns spooled). */
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  LOG_LEVEL: logLevel,
  /** `pretty` lines for a terminal, `json` for collectors; `auto` (default) picks by whether stdout is a TTY. */
  LOG_FORMAT: logFormat,
});

export type SidecarConfig = Readonly<z.output<typeof sidecarConfigSchema>>;
