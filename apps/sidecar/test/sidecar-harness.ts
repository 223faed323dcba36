import { createDefaultReducers } from '@tapes/capture';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Reducer } from '@tapes/capture';
import { ByteBudget, Journal } from '@tapes/delivery';
import { extProcProtoPath } from '@tapes/ext-proc';
import { METRICS_REGISTRY, parseConfig } from '@tapes/nest-kit';
import type { Registry } from 'prom-client';
import { createSidecarApp } from '../src/app.factory';
import { sidecarConfigSchema, type SidecarConfig } from '../src/config/sidecar-config';
import { TurnDelivery } from '../src/delivery/turn-delivery';
import { ExtProcServer } from '../src/ext-proc/ext-proc.server';
import { EnvoyClient } from '@tapes/testing/envoy';

export interface RunningSidecar {
  app: NestFastifyApplication;
  config: SidecarConfig;
  grpcPort: number;
  envoy: EnvoyClient;
  server: ExtProcServer;
  delivery: TurnDelivery;
  budget: ByteBudget;
  registry: Registry;
  /** The journal's stats as delivery reports them: turns waiting (journaled, not yet acknowledged by ingest), their bytes, deliveries in flight, whether the journal can be written. */
  journal(): ReturnType<TurnDelivery['stats']>;
  /**
   * Resolves once every turn captured so far has been journaled and then delivered or dropped —
   * or waits in the journal because ingest is away. Polls (see `until`).
   */
  settled(): Promise<void>;
  /** Sum of a metric's samples whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Resolves when `predicate` holds; polls the process state between event-loop turns. */
  until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh data directory for one test (`TAPES_DATA_DIR: spool.dataDir`) and the spool (journal)
 * directory the sidecar keeps in it (`dir`, `<dataDir>/spool`); removed by the returned function.
 */
export async function tempSpoolDir(): Promise<{ dataDir: string; dir: string; remove: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tapes-sidecar-data-'));
  return { dataDir, dir: path.join(dataDir, 'spool'), remove: () => rm(dataDir, { recursive: true, force: true }) };
}

/** The journal's segment files (`<16 digits>.journal`) in `dir`, oldest first. */
export async function journalSegments(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((name) => /^\d{16}\.journal$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** What a stopped sidecar left in its journal directory: turns waiting for ingest, read from disk without changing anything. */
export function journalOnDisk(dir: string): Promise<{ depth: number; bytes: number }> {
  return Journal.inspect(dir);
}

/** Every byte the journal in `dir` holds on disk right now (all segments, oldest first). */
export async function journalBytes(dir: string): Promise<Buffer> {
  return Buffer.concat(await Promise.all((await journalSegments(dir)).map((file) => readFile(file))));
}

/**
 * The real sidecar app (gRPC on a free port, HTTP not listening unless asked), configured like
 * production except for fast retries, with the reducers tapes ships (used for eligibility only).
 */
export async function startSidecar(env: Record<string, string>, reducers: () => readonly Reducer[] = createDefaultReducers): Promise<RunningSidecar> {
  const config = parseConfig('sidecar test', sidecarConfigSchema, {
    SIDECAR_GRPC_PORT: '0',
    LOG_LEVEL: 'silent',
    DELIVERY_RETRY_INITIAL: '2ms',
    DELIVERY_RETRY_MAX: '10ms',
    TAPES_SHUTDOWN_GRACE: '200ms',
    ...env,
  });
  const app = await createSidecarApp({ config, reducers });
  const server = app.get(ExtProcServer);
  const grpcPort = server.port;
  if (grpcPort === undefined) throw new Error('ext_proc server is not listening');
  const envoy = new EnvoyClient(grpcPort, extProcProtoPath());
  const registry = app.get<Registry>(METRICS_REGISTRY);
  const delivery = app.get(TurnDelivery);
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const found = registry.getSingleMetric(name);
    if (!found) throw new Error(`no metric ${name}`);
    const { values } = await found.get();
    return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
  };
  const until = async (predicate: () => boolean | Promise<boolean>, what: string) => {
    const deadline = Date.now() + 50_000; // a wait for an outcome, just below the 60 s test timeout (#10: no tight bound on a loaded machine)
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  return {
    app,
    config,
    grpcPort,
    envoy,
    server,
    delivery,
    budget: app.get(ByteBudget),
    registry,
    journal: () => delivery.stats(),
    settled: async () => {
      // Captured turns are handed to delivery when their exchange ends; `accept` resolves once
      // the journal has them. Then delivery settles: delivered, dropped, or waiting for ingest.
      await server.settled();
      await until(() => delivery.settled, 'delivery to settle');
    },
    metric,
    until,
    close: async () => {
      // The app first: a stream the test left open is then cut by the server's shutdown (as on
      // SIGTERM), not cancelled by the client going away.
      await app.close();
      envoy.close();
    },
  };
}
