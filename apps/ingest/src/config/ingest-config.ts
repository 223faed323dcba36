import { z } from 'zod';
import { byteSize, databaseUrl, duration, logFormat, logLevel, port, positiveInt } from '@tapes/nest-kit';

/** Every setting of the ingest server; all optional: no configuration gives the embedded setup. */
export const ingestConfigSchema = z.object({
  INGEST_HOST: z.string().trim().min(1).default('127.0.0.1'),
  INGEST_PORT: port(8082),
  /** postgresql://… for production; empty for the embedded SQLite file under TAPES_DATA_DIR. */
  DATABASE_URL: databaseUrl,
  TAPES_DATA_DIR: z.string().trim().min(1).default('.tapes'),
  /** When set, every route but /ping, /health and /metrics requires `Authorization: Bearer <token>`. */
  INGEST_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters (or unset to disable auth)'),
  /** Largest request body accepted (raw turns carry whole streams, base64 in JSON). */
  INGEST_BODY_LIMIT: byteSize(64 * 1024 * 1024),
  /** Most turns in one batch. */
  INGEST_BATCH_MAX_TURNS: positiveInt(500),
  /** Seconds a client is told to wait (Retry-After) when storage is unavailable. */
  INGEST_RETRY_AFTER_SECONDS: positiveInt(2),
  /** Tagged on stored nodes (ref: NodeMeta.project). */
  TAPES_PROJECT: z.string().trim().optional().transform((v) => (v ? v : undefined)),
  /** Sessions whose last turn is older than this are deleted on a schedule (`30d`); unset or 0 keeps everything. */
  TAPES_RETENTION: duration(0),
  LOG_LEVEL: logLevel,
  /** `pretty` lines for a terminal, `json` for collectors; `auto` (default) picks by whether stdout is a TTY. */
  LOG_FORMAT: logFormat,
});

export type IngestConfig = Readonly<z.output<typeof ingestConfigSchema>>;
