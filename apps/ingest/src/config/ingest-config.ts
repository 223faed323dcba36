import path from 'node:path';
import { z } from 'zod';
import { allowedHosts, byteSize, databaseUrl, duration, isLoopbackBind, logFormat, logLevel, onOff, port, positiveDuration, positiveInt, secretToken, withEnvAliases, type EnvAlias, type LogFormat } from '@tapes/nest-kit';

/** The ingest server's validated configuration, provided under `TAPES_CONFIG` (docs/configuration.md lists every setting). */
export interface IngestConfig {
  listen: Readonly<{ host: string; port: number }>;
  /** `postgresql://…` or a SQLite file; undefined = the embedded SQLite file under `dataDir`. */
  databaseUrl: string | undefined;
  /** Absolute: the embedded database lives here. */
  dataDir: string;
  /** Who may post and read (#13; docs/security.md). */
  access: Readonly<{
    /** When set, posting turns and reading them back need it. */
    token: string | undefined;
    /** `off`: knowingly without a token on a non-loopback address. */
    auth: 'on' | 'off';
    /** Hosts reads also answer to, beyond the loopback names (DNS rebinding). */
    allowedHosts: readonly string[];
  }>;
  limits: Readonly<{
    /** Largest request body accepted. */
    bodyLimitBytes: number;
    /** Most turns in one batch. */
    batchMaxTurns: number;
    /** Memory all requests may hold at once in decoded bodies (#12). */
    decodeMemoryBytes: number;
  }>;
  /** Whole seconds a client is told to wait (Retry-After) when storage is unavailable or decode memory is spent. */
  retryAfterSeconds: number;
  /** Tagged on stored nodes (ref: NodeMeta.project). */
  project: string | undefined;
  /** Sessions whose last turn is older than this are deleted on a schedule; 0 keeps everything. */
  retentionMs: number;
  /** The opt-in body scrubber (#13). Changes hashes. */
  scrubBodySecrets: boolean;
  logLevel: string;
  logFormat: LogFormat;
}

/**
 * Every setting of the ingest server; all optional: no configuration gives the embedded setup.
 * The plain object (its `.shape` lists the names the charts may set); {@link ingestConfigSchema}
 * adds the checks across settings and maps them to the typed {@link IngestConfig}.
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
  /** How long a client is told to wait (Retry-After, rounded up to whole seconds) when storage is unavailable. */
  INGEST_RETRY_AFTER: positiveDuration(2_000),
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

/** Ingest's names before #11, still accepted (docs/configuration.md). */
export const ingestAliases: readonly EnvAlias[] = [{ old: 'INGEST_RETRY_AFTER_SECONDS', name: 'INGEST_RETRY_AFTER', unit: 's' }];

/** The ingest configuration, validated as a whole: an exposed ingest never runs without a token by accident (#13). */
const checkedSettings = ingestSettings.superRefine((env, ctx) => {
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

export const ingestConfigSchema = withEnvAliases(
  checkedSettings.transform(
    (env): IngestConfig => ({
      listen: { host: env.INGEST_HOST, port: env.INGEST_PORT },
      databaseUrl: env.DATABASE_URL,
      dataDir: path.resolve(env.TAPES_DATA_DIR),
      access: { token: env.INGEST_TOKEN, auth: env.INGEST_AUTH, allowedHosts: env.INGEST_ALLOWED_HOSTS },
      limits: { bodyLimitBytes: env.INGEST_BODY_LIMIT, batchMaxTurns: env.INGEST_BATCH_MAX_TURNS, decodeMemoryBytes: env.INGEST_DECODE_MEMORY },
      retryAfterSeconds: Math.max(1, Math.ceil(env.INGEST_RETRY_AFTER / 1000)),
      project: env.TAPES_PROJECT,
      retentionMs: env.TAPES_RETENTION,
      scrubBodySecrets: env.TAPES_SCRUB_BODY_SECRETS,
      logLevel: env.LOG_LEVEL,
      logFormat: env.LOG_FORMAT,
    }),
  ),
  ingestAliases,
);
