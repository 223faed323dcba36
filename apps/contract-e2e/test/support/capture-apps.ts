import { PROVIDER_SPECS } from '@tapes/capture';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppProcess } from './app-process';
import { freePort } from '@tapes/testing';

/**
 * The three capture apps as processes, configured through their documented environment only
 * (each app's src/config). Each gets its own working directory (spool, embedded data) under a temp
 * folder that survives restarts and is removed by `dispose`. Log level `warn` keeps the output
 * tail shown on failures to what matters.
 */

const LOG_LEVEL = process.env['TAPES_E2E_LOG_LEVEL'] ?? 'warn';

export interface ProxyProcess extends AppProcess {
  /** The proxy's spool folder (`<TAPES_DATA_DIR>/spool`). */
  readonly dataDir: string;
}

export type IngestProcess = AppProcess;

export interface SidecarProcess extends AppProcess {
  readonly grpcPort: number;
  readonly spoolDir: string;
}

/** Temp folders of the processes made here, removed by {@link disposeWorkdirs}. */
const workdirs: string[] = [];

async function workdir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `tapes-e2e-${label}-`));
  workdirs.push(dir);
  return dir;
}

export async function disposeWorkdirs(): Promise<void> {
  await Promise.all(workdirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** The local proxy, every provider's upstream pointing at `upstream` (a mock). */
export async function proxyProcess(options: { label?: string; upstream: string; databaseUrl: string; env?: Record<string, string> }): Promise<ProxyProcess> {
  const port = await freePort();
  const dataDir = await workdir('proxy');
  const app = new AppProcess({
    app: 'proxy',
    label: options.label ?? 'proxy',
    httpPort: port,
    readyPath: '/_tapes/health/live',
    metricsPath: '/_tapes/metrics',
    cwd: dataDir,
    env: {
      TAPES_PROXY_LISTEN: `127.0.0.1:${port}`,
      ...Object.fromEntries(PROVIDER_SPECS.map((s) => [s.upstreamEnv, options.upstream])),
      TAPES_DATA_DIR: dataDir,
      DATABASE_URL: options.databaseUrl,
      TAPES_SHUTDOWN_GRACE: '2s',
      LOG_LEVEL,
      ...options.env,
    },
  });
  return Object.assign(app, { dataDir });
}

/** The ingest server on its own database. */
export async function ingestProcess(options: { label?: string; databaseUrl: string; token?: string; env?: Record<string, string> }): Promise<IngestProcess> {
  const port = await freePort();
  const app = new AppProcess({
    app: 'ingest',
    label: options.label ?? 'ingest',
    httpPort: port,
    readyPath: '/ping',
    metricsPath: '/metrics',
    cwd: await workdir('ingest'),
    env: {
      INGEST_HOST: '127.0.0.1',
      INGEST_PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      INGEST_RETRY_AFTER: '1s',
      LOG_LEVEL,
      ...(options.token ? { INGEST_TOKEN: options.token } : {}),
      ...options.env,
    },
  });
  return app;
}

/**
 * The Envoy ext_proc sidecar posting to `ingestUrl`, with retries fast enough for a test (the
 * production defaults back off up to 30 s) and a short shutdown grace.
 */
export async function sidecarProcess(options: { label?: string; ingestUrl: string; token?: string; env?: Record<string, string> }): Promise<SidecarProcess> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const dir = await workdir('sidecar');
  const spoolDir = path.join(dir, 'spool');
  const app = new AppProcess({
    app: 'sidecar',
    label: options.label ?? 'sidecar',
    httpPort,
    readyPath: '/health/live',
    metricsPath: '/metrics',
    cwd: dir,
    env: {
      SIDECAR_GRPC_HOST: '127.0.0.1',
      SIDECAR_GRPC_PORT: String(grpcPort),
      SIDECAR_HTTP_HOST: '127.0.0.1',
      SIDECAR_HTTP_PORT: String(httpPort),
      INGEST_URL: options.ingestUrl,
      INGEST_CONNECT_TIMEOUT: '1s',
      INGEST_TIMEOUT: '5s',
      DELIVERY_RETRY_INITIAL: '50ms',
      DELIVERY_RETRY_MAX: '400ms',
      TAPES_DATA_DIR: dir, // the spool: <dir>/spool
      TAPES_SHUTDOWN_GRACE: '1s',
      LOG_LEVEL,
      ...(options.token ? { INGEST_TOKEN: options.token } : {}),
      ...options.env,
    },
  });
  return Object.assign(app, { grpcPort, spoolDir });
}
