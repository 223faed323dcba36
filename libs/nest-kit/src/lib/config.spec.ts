import { z } from 'zod';
import { ConfigError, parseConfig } from './config';
import { byteSize, databaseUrl, httpUrl, logLevel, parseByteSize, port } from './env-schema';

const schema = z.object({
  PORT: port(8082),
  LOG_LEVEL: logLevel,
  DATABASE_URL: databaseUrl,
  UPSTREAM: httpUrl.default('http://localhost:11434'),
  BODY_LIMIT: byteSize(1024),
  INGEST_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

describe('parseConfig', () => {
  it('applies defaults for an empty environment and freezes the result', () => {
    const config = parseConfig('test', schema, {});
    expect(config).toEqual({ PORT: 8082, LOG_LEVEL: 'info', DATABASE_URL: undefined, UPSTREAM: 'http://localhost:11434', BODY_LIMIT: 1024, INGEST_TOKEN: undefined });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad key at once and never echoes a secret', () => {
    let error: unknown;
    try {
      parseConfig('test', schema, { PORT: 'http', LOG_LEVEL: 'loud', UPSTREAM: 'ftp://x', BODY_LIMIT: 'lots', INGEST_TOKEN: 'short-secret' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['PORT', 'LOG_LEVEL', 'UPSTREAM', 'BODY_LIMIT', 'INGEST_TOKEN']) expect(problems).toContain(key);
    expect(problems).not.toContain('short-secret');
  });

  it.each([
    ['1048576', 1048576],
    ['512kb', 512 * 1024],
    ['64MiB', 64 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['ten', undefined],
  ])('parses the byte size %s', (text, want) => {
    expect(parseByteSize(text)).toBe(want);
  });
});
