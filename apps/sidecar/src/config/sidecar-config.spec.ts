import path from 'node:path';
import { ConfigError, configDeprecations, parseConfig } from '@tapes/nest-kit';
import { sidecarConfigSchema } from './sidecar-config';

function problemsOf(env: Record<string, string>): string {
  try {
    parseConfig('sidecar', sidecarConfigSchema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('sidecar configuration', () => {
  it('needs no configuration: local defaults', () => {
    expect(parseConfig('sidecar', sidecarConfigSchema, {})).toEqual({
      grpc: { host: '127.0.0.1', port: 50051, maxMessageBytes: 64 * 1024 * 1024 },
      http: { host: '127.0.0.1', port: 9090 },
      ingest: { url: 'http://127.0.0.1:8082', token: undefined, connectTimeoutMs: 5_000, timeoutMs: 30_000, connections: 8 },
      delivery: { retryInitialMs: 500, retryMaxMs: 30_000 },
      dataDir: path.resolve('.tapes'),
      spoolDir: path.resolve('.tapes/spool'),
      limits: { captureQueueBytes: 256 * 1024 * 1024, maxCaptureBodyBytes: 64 * 1024 * 1024, spoolMaxBytes: 1024 * 1024 * 1024, shutdownGraceMs: 10_000 },
      logLevel: 'info',
      logFormat: 'auto',
    });
  });

  it('reads sizes and durations with units and trims a trailing slash off the ingest URL', () => {
    const config = parseConfig('sidecar', sidecarConfigSchema, {
      TAPES_CAPTURE_QUEUE_BYTES: '512mb',
      TAPES_SPOOL_MAX_BYTES: '2g',
      INGEST_URL: 'https://ingest.tapes.svc:8443/base/',
      INGEST_TIMEOUT: '45s',
      TAPES_SHUTDOWN_GRACE: '1m',
      TAPES_DATA_DIR: '/var/lib/tapes',
    });
    expect(config.limits).toMatchObject({ captureQueueBytes: 512 * 1024 * 1024, spoolMaxBytes: 2 * 1024 ** 3, shutdownGraceMs: 60_000 });
    expect(config.ingest).toMatchObject({ url: 'https://ingest.tapes.svc:8443/base', timeoutMs: 45_000 });
    expect(config.spoolDir).toBe('/var/lib/tapes/spool');
    expect(configDeprecations(config)).toEqual([]);
  });

  it('still reads the names from before #11, in their old units, with one warning each', () => {
    const config = parseConfig('sidecar', sidecarConfigSchema, {
      SHUTDOWN_GRACE_MS: '2500',
      INGEST_TIMEOUT_MS: '1000',
      INGEST_CONNECT_TIMEOUT_MS: '700',
      DELIVERY_RETRY_INITIAL_MS: '5',
      DELIVERY_RETRY_MAX_MS: '50',
      CAPTURE_BUDGET_BYTES: '128mb',
      CAPTURE_MAX_BODY_BYTES: '1mb',
      SPOOL_MAX_BYTES: '3g',
      SPOOL_DIR: '/var/lib/tapes/old-spool',
    });
    expect(config.limits).toEqual({ captureQueueBytes: 128 * 1024 * 1024, maxCaptureBodyBytes: 1024 * 1024, spoolMaxBytes: 3 * 1024 ** 3, shutdownGraceMs: 2500 });
    expect(config.ingest).toMatchObject({ timeoutMs: 1000, connectTimeoutMs: 700 });
    expect(config.delivery).toEqual({ retryInitialMs: 5, retryMaxMs: 50 });
    expect(config.spoolDir).toBe('/var/lib/tapes/old-spool');
    const warnings = configDeprecations(config);
    expect(warnings).toHaveLength(9);
    expect(warnings).toContainEqual(expect.stringMatching(/^SHUTDOWN_GRACE_MS is deprecated: set TAPES_SHUTDOWN_GRACE instead/));
    expect(warnings).toContainEqual(expect.stringMatching(/^SPOOL_DIR is deprecated: set TAPES_DATA_DIR instead/));
  });

  it('refuses an old and a new name set differently, naming both', () => {
    const problems = problemsOf({ SHUTDOWN_GRACE_MS: '10000', TAPES_SHUTDOWN_GRACE: '30s', CAPTURE_BUDGET_BYTES: '1mb', TAPES_CAPTURE_QUEUE_BYTES: '1048576' });
    expect(problems).toContain('SHUTDOWN_GRACE_MS and TAPES_SHUTDOWN_GRACE are both set, differently');
    expect(problems).not.toContain('CAPTURE_BUDGET_BYTES');
  });

  it('lists every bad key at once, without echoing the token', () => {
    const problems = problemsOf({
      SIDECAR_GRPC_PORT: 'grpc',
      SIDECAR_HTTP_PORT: '70000',
      INGEST_URL: 'ftp://ingest',
      TAPES_CAPTURE_QUEUE_BYTES: 'lots',
      INGEST_CONNECTIONS: '0',
      INGEST_TIMEOUT: '0',
      LOG_LEVEL: 'chatty',
      INGEST_TOKEN: '   ',
    });
    for (const key of ['SIDECAR_GRPC_PORT', 'SIDECAR_HTTP_PORT', 'INGEST_URL', 'TAPES_CAPTURE_QUEUE_BYTES', 'INGEST_CONNECTIONS', 'INGEST_TIMEOUT', 'LOG_LEVEL']) expect(problems).toContain(key);
  });

  it('treats a blank token as no token', () => {
    expect(parseConfig('sidecar', sidecarConfigSchema, { INGEST_TOKEN: '  ' }).ingest.token).toBeUndefined();
  });
});
