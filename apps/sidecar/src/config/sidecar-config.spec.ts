import { ConfigError, parseConfig } from '@tapes/nest-kit';
import { sidecarConfigSchema } from './sidecar-config';

describe('sidecar configuration', () => {
  it('needs no configuration: local defaults', () => {
    expect(parseConfig('sidecar', sidecarConfigSchema, {})).toMatchObject({
      SIDECAR_GRPC_HOST: '127.0.0.1',
      SIDECAR_GRPC_PORT: 50051,
      SIDECAR_HTTP_HOST: '127.0.0.1',
      SIDECAR_HTTP_PORT: 9090,
      GRPC_MAX_MESSAGE_BYTES: 64 * 1024 * 1024,
      INGEST_URL: 'http://127.0.0.1:8082',
      SPOOL_DIR: './.tapes/sidecar-spool',
      CAPTURE_BUDGET_BYTES: 256 * 1024 * 1024,
      CAPTURE_MAX_BODY_BYTES: 64 * 1024 * 1024,
      LOG_LEVEL: 'info',
    });
  });

  it('reads sizes with units and trims a trailing slash off the ingest URL', () => {
    const config = parseConfig('sidecar', sidecarConfigSchema, { CAPTURE_BUDGET_BYTES: '512mb', SPOOL_MAX_BYTES: '2g', INGEST_URL: 'https://ingest.tapes.svc:8443/base/' });
    expect(config.CAPTURE_BUDGET_BYTES).toBe(512 * 1024 * 1024);
    expect(config.SPOOL_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(config.INGEST_URL).toBe('https://ingest.tapes.svc:8443/base');
  });

  it('lists every bad key at once, without echoing the token', () => {
    let error: unknown;
    try {
      parseConfig('sidecar', sidecarConfigSchema, {
        SIDECAR_GRPC_PORT: 'grpc',
        SIDECAR_HTTP_PORT: '70000',
        INGEST_URL: 'ftp://ingest',
        CAPTURE_BUDGET_BYTES: 'lots',
        INGEST_CONNECTIONS: '0',
        LOG_LEVEL: 'chatty',
        INGEST_TOKEN: '   ',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['SIDECAR_GRPC_PORT', 'SIDECAR_HTTP_PORT', 'INGEST_URL', 'CAPTURE_BUDGET_BYTES', 'INGEST_CONNECTIONS', 'LOG_LEVEL']) expect(problems).toContain(key);
  });

  it('treats a blank token as no token', () => {
    expect(parseConfig('sidecar', sidecarConfigSchema, { INGEST_TOKEN: '  ' }).INGEST_TOKEN).toBeUndefined();
  });
});
