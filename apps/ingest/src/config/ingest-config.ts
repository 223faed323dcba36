import { z } from 'zod';
import { allowedHosts, byteSize, databaseUrl, duration, isLoopbackBind, logFormat, logLevel, onOff, port, positiveInt, secretToken } from '@tapes/nest-kit';

/**
 * Every setting of the ingest server; all optional: no configuration gives the embedded setup.
 * The plain object (its `.shape` lists the names the charts may set); {@link ingestConfigSchema}
 * adds the checks across settings.
 */
export const ingestSettings = z.object({
  INGEST_HOST: z.string().trim().min(1).default('127.0.0.1'),
  INGEST_PORT: port(8082),
  /** postgresql://… for production; empty for the embedded SQLite file under TAPES_DATA_DIR. */
  DATABASE_URL: databaseUrl,
  TAPES_DATA_DIR: z.string().trim().min(1).default('.tapes'),
  /**
   * When set, posting turns and reading them back (every route but /ping, /health* and /metrics)
   * need `Authorization: Bearer <token>` (pages: the `tapes_read` cookie, #13).
   * Required when INGEST_HOST is not a loopback address, unless INGEST_AUTH=off.
   */
  INGEST_TOKEN: secretToken,
  /** `off`: run without a token on a non-loopback address, knowingly (anyone who can reach the port may post turns). */
  INGEST_AUTH: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  /** Hosts reads (/v1/*, /ui/) also answer to, beyond the loopback names (#13, DNS rebinding); `*` for any. */
  INGEST_ALLOWED_HOSTS: allowedHosts,
  /** Largest request body accepted (raw turns carry whole streams, base64 in JSON). */
  INGEST_BODY_LIMIT: byteSize(64 * 1024 * 1024),
  /** Most turns in one batch. */
  INGEST_BATCH_MAX_TURNS: positiveInt(500),
  /**
   * Memory all requests may hold at once in decoded bodies (content-encoding undone): every
   * decoded byte counts against it as it is produced, each body is also capped at 48 MiB, and a
   * post that finds it spent is answered 503 with Retry-After (#12). Bounds a burst of
   * decompression bombs; docs/guarantees.md gives the measured peak memory.
   */
  INGEST_DECODE_MEMORY: byteSize(128 * 1024 * 1024),
  /** Seconds a client is told to wait (Retry-After) when storage is unavailable. */
  INGEST_RETRY_AFTER_SECONDS: positiveInt(2),
  /** Tagged on stored nodes (ref: NodeMeta.project). */
  TAPES_PROJECT: z.string().trim().optional().transform((v) => (v ? v : undefined)),
  /** Sessions whose last turn is older than this are deleted on a schedule (`30d`); unset or 0 keeps everything. */
  TAPES_RETENTION: duration(0),
  /** The opt-in body scrubber (#13): secrets in request and response bodies become [redacted:<n>] before reduction. Changes hashes. */
  TAPES_SCRUB_BODY_SECRETS: onOff(false),
  LOG_LEVEL: logLevel,
  /** `pretty` lines for a terminal, `json` for collectors; `auto` (default) picks by whether stdout is a TTY. */
  LOG_FORMAT: logFormat,
});

/** The ingest configuration, validated as a whole: an exposed ingest never runs without a token by accident (#13). */
export const ingestConfigSchema = ingestSettings.superRefine((env, ctx) => {
  if (env.INGEST_AUTH === 'off' && env.INGEST_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['INGEST_AUTH'], message: 'is off while INGEST_TOKEN is set: unset one of them' });
  }
  if (env.INGEST_HOST && !isLoopbackBind(env.INGEST_HOST) && !env.INGEST_TOKEN && env.INGEST_AUTH !== 'off') {
    ctx.addIssue({
      code: 'custom',
      path: ['INGEST_TOKEN'],
      message:
        `is required when INGEST_HOST binds ${env.INGEST_HOST} (reachable from other machines), or anyone who can reach the port may post and read turns: ` +
        'set INGEST_TOKEN=$(openssl rand -hex 32) (the sidecar sends the same one), or INGEST_AUTH=off if that is really meant, or INGEST_HOST=127.0.0.1',
    });
  }
});

export type IngestConfig = Readonly<z.output<typeof ingestConfigSchema>>;
