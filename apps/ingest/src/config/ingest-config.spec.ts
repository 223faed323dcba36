import path from 'node:path';
import { configDeprecations, ConfigError, parseConfig } from '@tapes/nest-kit';
import { migrateConfigSchema } from '../migrate';
import { ingestConfigSchema } from './ingest-config';

describe('ingest configuration', () => {
  it('needs no configuration: the embedded setup on loopback', () => {
    expect(parseConfig('ingest', ingestConfigSchema, {})).toEqual({
      listen: { host: '127.0.0.1', port: 8082 },
      databaseUrl: undefined,
      dataDir: path.resolve('.tapes'),
      access: { token: undefined, auth: 'on', allowedHosts: [] },
      limits: { bodyLimitBytes: 64 * 1024 * 1024, batchMaxTurns: 500, decodeMemoryBytes: 128 * 1024 * 1024 },
      retryAfterSeconds: 2,
      project: undefined,
      retentionMs: 0,
      scrubBodySecrets: false,
      logLevel: 'info',
      logFormat: 'auto',
    });
  });

  it('takes INGEST_RETRY_AFTER as a duration, rounded up to the whole seconds Retry-After carries', () => {
    expect(parseConfig('ingest', ingestConfigSchema, { INGEST_RETRY_AFTER: '1m' }).retryAfterSeconds).toBe(60);
    expect(parseConfig('ingest', ingestConfigSchema, { INGEST_RETRY_AFTER: '1500ms' }).retryAfterSeconds).toBe(2);
    expect(() => parseConfig('ingest', ingestConfigSchema, { INGEST_RETRY_AFTER: '0s' })).toThrow(ConfigError);
  });

  it('still reads INGEST_RETRY_AFTER_SECONDS (seconds), with a warning naming INGEST_RETRY_AFTER', () => {
    const config = parseConfig('ingest', ingestConfigSchema, { INGEST_RETRY_AFTER_SECONDS: '5' });
    expect(config.retryAfterSeconds).toBe(5);
    expect(configDeprecations(config)).toEqual([expect.stringMatching(/^INGEST_RETRY_AFTER_SECONDS is deprecated: set INGEST_RETRY_AFTER instead/)]);
    expect(() => parseConfig('ingest', ingestConfigSchema, { INGEST_RETRY_AFTER_SECONDS: '5', INGEST_RETRY_AFTER: '2s' })).toThrow(/INGEST_RETRY_AFTER_SECONDS and INGEST_RETRY_AFTER are both set, differently/);
  });

  it("reads the migration Job's lock timeout as a duration, and its old name in milliseconds", () => {
    expect(parseConfig('migrate', migrateConfigSchema, { MIGRATION_LOCK_TIMEOUT: '2m' }).lockTimeoutMs).toBe(120_000);
    expect(parseConfig('migrate', migrateConfigSchema, { MIGRATION_LOCK_TIMEOUT_MS: '4000' }).lockTimeoutMs).toBe(4000);
  });
});
