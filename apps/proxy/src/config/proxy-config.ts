import path from 'node:path';
import { z } from 'zod';
import { PROVIDER_SPECS, PROVIDERS, type Provider } from '@tapes/capture';
import { allowedHosts, byteSize, databaseUrl, duration, httpUrl, isLoopbackBind, logFormat, logLevel, onOff, positiveInt, secretToken, type LogFormat } from '@tapes/nest-kit';

/** Where the proxy listens: `host:port`, `:port` (all interfaces, as Go's `:8080`) or `[v6]:port`. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** An agent's own route (ref §5.2): which provider it speaks and, optionally, its own upstream. */
export interface AgentRouteConfig {
  provider: Provider;
  upstream?: string;
}

/** The proxy's validated configuration, provided under `TAPES_CONFIG`. */
export interface ProxyConfig {
  listen: ListenAddress;
  /** Base URL per provider; a request path is appended to it (see `upstream-url.ts`). */
  upstreams: Readonly<Record<Provider, string>>;
  /** Provider for paths that name none (not a known endpoint, no agent route, no provider prefix). */
  defaultProvider: Provider;
  agentRoutes: Readonly<Record<string, AgentRouteConfig>>;
  /** Who may read `/_tapes/*` (#13): see docs/security.md. */
  access: Readonly<{
    /** When set, reads need it (bearer or the page-login cookie); required on a non-loopback bind. */
    readToken: string | undefined;
    /** Hosts reads answer to beyond the loopback names (DNS rebinding). */
    allowedHosts: readonly string[];
  }>;
  /** `postgresql://…` or a SQLite file; undefined = the embedded `<dataDir>/tapes.db`. */
  databaseUrl: string | undefined;
  /** Absolute: the embedded database and the spool live here. */
  dataDir: string;
  /** Stored with every node (not hashed), e.g. the repository being worked on. */
  project: string | undefined;
  logLevel: string;
  /** `pretty` lines for a terminal, `json` for collectors; `auto` picks by whether stdout is a TTY. */
  logFormat: LogFormat;
  limits: Readonly<{
    /**
     * Raw body bytes all captures may hold at once (in flight + queued for storage); over it a
     * turn is dropped (`capture_budget`) and forwarding goes on. The process holds roughly twice
     * this at the limit (parsed requests and nodes), on top of ~200 MB for the app and its store.
     */
    captureQueueBytes: number;
    /** Per body (request, response): a bigger one is forwarded but not captured (`request_over_budget` / `response_over_budget`). */
    maxCaptureBodyBytes: number;
    /** Disk bytes the spool may hold while storage is away; over it a turn is dropped (`spool_full`). */
    spoolMaxBytes: number;
    /** Longest silence between two upstream body chunks; a long stream that keeps talking is never cut. */
    idleTimeoutMs: number;
    connectTimeoutMs: number;
    /** Longest wait for the upstream's response headers (504 `upstream_timeout` after). */
    headersTimeoutMs: number;
    /** How long shutdown waits for in-flight exchanges before cutting them (their partial turns are kept). */
    shutdownGraceMs: number;
    /** Longest silence between two chunks of a client's request body (408 after): a trickled upload cannot hold a connection forever. */
    requestBodyIdleMs: number;
    /** Client connections held at once; more are refused at accept. */
    maxConnections: number;
  }>;
  /** Turns written to storage at once. */
  storeConcurrency: number;
  /** Sessions whose last turn is older than this are deleted on a schedule; 0 keeps everything. */
  retentionMs: number;
  /** The opt-in body scrubber (#13): secrets in the bodies become `[redacted:<n>]` before reduction; changes hashes. */
  scrubBodySecrets: boolean;
}

/** Each provider's upstream unless configured otherwise (from its ProviderSpec). */
export const DEFAULT_UPSTREAMS = Object.fromEntries(PROVIDER_SPECS.map((s) => [s.name, s.defaultUpstream])) as Readonly<Record<Provider, string>>;

/** One `TAPES_UPSTREAM_<PROVIDER>` per provider, derived from the provider list. */
const upstreamSettings = Object.fromEntries(PROVIDER_SPECS.map((s) => [s.upstreamEnv, httpUrl.default(s.defaultUpstream)])) as Record<string, ReturnType<typeof httpUrl.default>>;

const MiB = 1024 * 1024;

export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

const listenAddress = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const parsed = parseListenAddress(v?.trim() ? v : '127.0.0.1:8080');
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: 'must be host:port, :port or [ipv6]:port with a port 0–65535' });
      return z.NEVER;
    }
    return parsed;
  });

const provider = z.enum(PROVIDERS, { error: `must be one of ${PROVIDERS.join(', ')}` });

const agentRoutes = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v?.trim()) return {};
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object such as {"codex":{"provider":"openai","upstream":"https://…"}} (${(err as Error).message})` });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1, 'agent names must not be empty'), z.strictObject({ provider, upstream: httpUrl.optional() }), { error: 'must be a JSON object of agent → {provider, upstream?}' }));

/** Every setting of the proxy, by its environment name (docs/configuration.md lists them all). */
export const proxySettings = z.object({
  TAPES_PROXY_LISTEN: listenAddress,
  ...upstreamSettings,
  TAPES_DEFAULT_PROVIDER: provider.default('openai'),
  TAPES_AGENT_ROUTES: agentRoutes,
  DATABASE_URL: databaseUrl,
  TAPES_DATA_DIR: z.string().trim().default('.tapes'),
  TAPES_PROJECT: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined),
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  TAPES_CAPTURE_QUEUE_BYTES: byteSize(64 * MiB),
  TAPES_MAX_CAPTURE_BODY_BYTES: byteSize(32 * MiB),
  TAPES_SPOOL_MAX_BYTES: byteSize(1024 * MiB),
  TAPES_UPSTREAM_IDLE_TIMEOUT: duration(300_000),
  TAPES_UPSTREAM_CONNECT_TIMEOUT: duration(10_000),
  TAPES_UPSTREAM_HEADERS_TIMEOUT: duration(300_000),
  TAPES_SHUTDOWN_GRACE: duration(10_000),
  TAPES_STORE_CONCURRENCY: positiveInt(2),
  TAPES_READ_TOKEN: secretToken,
  TAPES_ALLOWED_HOSTS: allowedHosts,
  TAPES_REQUEST_BODY_IDLE_TIMEOUT: duration(10_000),
  // 1024: the 500 concurrent streams a busy shared proxy sees (#17) with room to spare, at two file
  // descriptors each (client and upstream) still far under the open-file limit Node raises to at start.
  TAPES_MAX_CONNECTIONS: positiveInt(1024),
  TAPES_RETENTION: duration(0),
  TAPES_SCRUB_BODY_SECRETS: onOff(false),
});

const schema = proxySettings
  .superRefine((env, ctx) => {
    // Reachable from other machines, an open read side hands every captured conversation to anyone on the network (#13).
    if (env.TAPES_PROXY_LISTEN && !isLoopbackBind(env.TAPES_PROXY_LISTEN.host) && !env.TAPES_READ_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['TAPES_READ_TOKEN'],
        message:
          `is required when TAPES_PROXY_LISTEN binds ${env.TAPES_PROXY_LISTEN.host} (reachable from other machines), or anyone who can reach the port reads every captured conversation: ` +
          'set TAPES_READ_TOKEN=$(openssl rand -hex 32) and read with Authorization: Bearer <token> (a browser: open /_tapes/?token=<token> once), or listen on 127.0.0.1',
      });
    }
  })
  .transform(
    (env): ProxyConfig => ({
      listen: env.TAPES_PROXY_LISTEN,
      upstreams: Object.fromEntries(PROVIDER_SPECS.map((s) => [s.name, (env as Record<string, unknown>)[s.upstreamEnv] as string])) as Record<Provider, string>,
      defaultProvider: env.TAPES_DEFAULT_PROVIDER,
      agentRoutes: env.TAPES_AGENT_ROUTES,
      access: { readToken: env.TAPES_READ_TOKEN, allowedHosts: env.TAPES_ALLOWED_HOSTS },
      databaseUrl: env.DATABASE_URL,
      dataDir: path.resolve(env.TAPES_DATA_DIR || '.tapes'),
      project: env.TAPES_PROJECT,
      logLevel: env.LOG_LEVEL,
      logFormat: env.LOG_FORMAT,
      limits: {
        captureQueueBytes: env.TAPES_CAPTURE_QUEUE_BYTES,
        maxCaptureBodyBytes: env.TAPES_MAX_CAPTURE_BODY_BYTES,
        spoolMaxBytes: env.TAPES_SPOOL_MAX_BYTES,
        idleTimeoutMs: env.TAPES_UPSTREAM_IDLE_TIMEOUT,
        connectTimeoutMs: env.TAPES_UPSTREAM_CONNECT_TIMEOUT,
        headersTimeoutMs: env.TAPES_UPSTREAM_HEADERS_TIMEOUT,
        shutdownGraceMs: env.TAPES_SHUTDOWN_GRACE,
        requestBodyIdleMs: env.TAPES_REQUEST_BODY_IDLE_TIMEOUT,
        maxConnections: env.TAPES_MAX_CONNECTIONS,
      },
      storeConcurrency: env.TAPES_STORE_CONCURRENCY,
      retentionMs: env.TAPES_RETENTION,
      scrubBodySecrets: env.TAPES_SCRUB_BODY_SECRETS,
    }),
  );

/** The proxy's environment schema; `parseConfig('proxy', proxyConfigSchema, env)` validates it. */
export const proxyConfigSchema = schema;
