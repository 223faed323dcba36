import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROVIDER_SPECS } from '@tapes/capture';
import { parseConfig } from '@tapes/nest-kit';
import { proxyConfigSchema, type ProxyConfig } from '../../src/config/proxy-config';
import type { ReducerSource } from '../../src/capture/reducer-source';
import { createProxyApp } from '../../src/proxy-app';

export interface RunningProxy {
  app: NestFastifyApplication;
  config: ProxyConfig;
  url: string;
  dataDir: string;
  /** Closes the app the way SIGTERM does (drain, spool, close storage). */
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Every provider's upstream (a mock upstream's URL). */
  upstream: string;
  /** `DATABASE_URL`: the proxy opens its own store, as in production. */
  databaseUrl: string;
  /** Reuse a data directory (a restart); a fresh temp one by default, removed on close. */
  dataDir?: string;
  /** More environment, as a user would set it (`TAPES_CAPTURE_QUEUE_BYTES`, …). */
  env?: Record<string, string>;
  /** The reducers (default: the shipped list), as a module the storage worker can load too. */
  reducers?: ReducerSource;
}

/** Starts the real proxy app on an ephemeral port, configured through its environment schema. */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tapes-proxy-')));
  const config = parseConfig('tapes proxy', proxyConfigSchema, {
    ...Object.fromEntries(PROVIDER_SPECS.map((s) => [s.upstreamEnv, options.upstream])),
    TAPES_DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: process.env['TAPES_TEST_LOG_LEVEL'] ?? 'silent',
    TAPES_SHUTDOWN_GRACE: '2s',
    ...options.env,
  });
  const app = await createProxyApp({ config, ...(options.reducers ? { reducers: options.reducers } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    close: async () => {
      await app.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
