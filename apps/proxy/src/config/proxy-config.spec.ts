import path from 'node:path';
import { ConfigError, parseConfig, parseDuration } from '@tapes/nest-kit';
import { DEFAULT_UPSTREAMS, parseListenAddress, proxyConfigSchema } from './proxy-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig('tapes proxy', proxyConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('proxy configuration', () => {
  it('needs no environment: embedded storage under ./.tapes, default upstreams, 127.0.0.1:8080', () => {
    const config = parseConfig('tapes proxy', proxyConfigSchema, {});
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      upstreams: { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com', ollama: 'http://localhost:11434', gemini: 'https://generativelanguage.googleapis.com' },
      defaultProvider: 'openai',
      agentRoutes: {},
      databaseUrl: undefined,
      dataDir: path.resolve('.tapes'),
      project: undefined,
      logLevel: 'info',
    });
    expect(config.limits.idleTimeoutMs).toBeGreaterThan(0);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting', () => {
    const config = parseConfig('tapes proxy', proxyConfigSchema, {
      TAPES_PROXY_LISTEN: '0.0.0.0:9000',
      TAPES_UPSTREAM_OPENAI: 'https://api.openai.com/v1/',
      TAPES_DEFAULT_PROVIDER: 'ollama',
      TAPES_AGENT_ROUTES: '{"codex":{"provider":"openai","upstream":"https://chatgpt.com/backend-api/codex"},"claude":{"provider":"anthropic"}}',
      DATABASE_URL: 'postgresql://u:p@db:5432/tapes',
      TAPES_DATA_DIR: '/var/lib/tapes',
      TAPES_PROJECT: 'tapes',
      LOG_LEVEL: 'debug',
      TAPES_CAPTURE_QUEUE_BYTES: '64mb',
      TAPES_MAX_CAPTURE_BODY_BYTES: '8mb',
      TAPES_SPOOL_MAX_BYTES: '2gb',
      TAPES_UPSTREAM_IDLE_TIMEOUT: '90s',
      TAPES_UPSTREAM_CONNECT_TIMEOUT: '2500ms',
      TAPES_UPSTREAM_HEADERS_TIMEOUT: '10m',
      TAPES_SHUTDOWN_GRACE: '5s',
      TAPES_STORE_CONCURRENCY: '4',
      TAPES_READ_TOKEN: 'read-token-0123456789abcdef',
      TAPES_ALLOWED_HOSTS: 'tapes.lan, 10.0.0.5:9000',
      TAPES_REQUEST_BODY_IDLE_TIMEOUT: '3s',
      TAPES_MAX_CONNECTIONS: '64',
    });
    expect(config).toEqual({
      listen: { host: '0.0.0.0', port: 9000 },
      upstreams: { ...DEFAULT_UPSTREAMS, openai: 'https://api.openai.com/v1' },
      defaultProvider: 'ollama',
      agentRoutes: { codex: { provider: 'openai', upstream: 'https://chatgpt.com/backend-api/codex' }, claude: { provider: 'anthropic' } },
      access: { readToken: 'read-token-0123456789abcdef', allowedHosts: ['tapes.lan', '10.0.0.5:9000'] },
      databaseUrl: 'postgresql://u:p@db:5432/tapes',
      dataDir: '/var/lib/tapes',
      project: 'tapes',
      logLevel: 'debug',
      logFormat: 'auto',
      limits: {
        captureQueueBytes: 64 * 1024 ** 2,
        maxCaptureBodyBytes: 8 * 1024 ** 2,
        spoolMaxBytes: 2 * 1024 ** 3,
        idleTimeoutMs: 90_000,
        connectTimeoutMs: 2_500,
        headersTimeoutMs: 600_000,
        shutdownGraceMs: 5_000,
        requestBodyIdleMs: 3_000,
        maxConnections: 64,
      },
      storeConcurrency: 4,
      retentionMs: 0,
      scrubBodySecrets: false,
    });
  });

  it('lists every bad key at once', () => {
    const problems = problemsOf({
      TAPES_PROXY_LISTEN: 'localhost',
      TAPES_UPSTREAM_ANTHROPIC: 'ftp://x',
      TAPES_DEFAULT_PROVIDER: 'mistral',
      TAPES_AGENT_ROUTES: '{"codex":{"provider":"acme"}}',
      DATABASE_URL: 'mysql://db/x',
      TAPES_CAPTURE_QUEUE_BYTES: 'lots',
      TAPES_UPSTREAM_IDLE_TIMEOUT: 'forever',
      LOG_LEVEL: 'loud',
    }).join('\n');
    for (const key of ['TAPES_PROXY_LISTEN', 'TAPES_UPSTREAM_ANTHROPIC', 'TAPES_DEFAULT_PROVIDER', 'TAPES_AGENT_ROUTES', 'DATABASE_URL', 'TAPES_CAPTURE_QUEUE_BYTES', 'TAPES_UPSTREAM_IDLE_TIMEOUT', 'LOG_LEVEL']) {
      expect(problems).toContain(key);
    }
  });

  it.each(['0.0.0.0:8080', ':8080', '[::]:8080', '192.168.1.5:8080'])('refuses to listen on %s without a read token, and says how to set one (#13)', (listen) => {
    const problems = problemsOf({ TAPES_PROXY_LISTEN: listen }).join('\n');
    expect(problems).toMatch(/^TAPES_READ_TOKEN: is required when TAPES_PROXY_LISTEN binds .* \(reachable from other machines\)/);
    expect(problems).toContain('TAPES_READ_TOKEN=$(openssl rand -hex 32)');
  });

  it.each(['127.0.0.1:8080', 'localhost:8080', '[::1]:8080'])('listens on %s without a read token', (listen) => {
    expect(parseConfig('proxy', proxyConfigSchema, { TAPES_PROXY_LISTEN: listen }).access.readToken).toBeUndefined();
  });

  it.each([
    ['a short read token', { TAPES_READ_TOKEN: 'short' }, 'TAPES_READ_TOKEN: must be at least 16 characters'],
    ['a read token with a space', { TAPES_READ_TOKEN: 'has a space in it 0123456789' }, 'TAPES_READ_TOKEN: must be visible ASCII'],
    ['a bad allowed host', { TAPES_ALLOWED_HOSTS: 'ok.example, http://x/' }, 'TAPES_ALLOWED_HOSTS: "http://x/" is not a host name'],
  ])('refuses %s', (_name, env, want) => {
    expect(problemsOf(env).join('\n')).toContain(want);
  });

  it('explains agent routes that are not JSON', () => {
    expect(problemsOf({ TAPES_AGENT_ROUTES: '{codex: openai}' }).join('\n')).toMatch(/TAPES_AGENT_ROUTES: must be a JSON object/);
  });

  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['localhost', undefined],
    ['host:70000', undefined],
  ])('reads the listen address %s', (text, want) => {
    expect(parseListenAddress(text)).toEqual(want);
  });

  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['30d', 2_592_000_000],
    ['1500', 1500],
    ['1.5s', 1500],
    ['soon', undefined],
  ])('reads the duration %s', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });

  it('keeps everything unless TAPES_RETENTION is set', () => {
    expect(parseConfig('proxy', proxyConfigSchema, {}).retentionMs).toBe(0);
    expect(parseConfig('proxy', proxyConfigSchema, { TAPES_RETENTION: '30d' }).retentionMs).toBe(30 * 86_400_000);
    expect(() => parseConfig('proxy', proxyConfigSchema, { TAPES_RETENTION: 'a month' })).toThrow(ConfigError);
  });
});
