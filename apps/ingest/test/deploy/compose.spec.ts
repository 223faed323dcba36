import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';
import { parse, parseDocument } from 'yaml';
import { ingestConfigSchema, ingestSettings } from '../../src/config/ingest-config';
import { migrateConfigSchema, migrateSettings } from '../../src/migrate';
// The sidecar's own schema and Envoy checks: the compose file must agree with what the sidecar reads.
// eslint-disable-next-line @nx/enforce-module-boundaries -- the compose stack spans both apps; this checks it against the sidecar's real config schema
import { sidecarConfigSchema, sidecarSettings } from '../../../sidecar/src/config/sidecar-config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the same Envoy review the sidecar's deploy tests apply
import { clusterEndpoints, envoyConfigProblems, extProcClusterName } from '../../../sidecar/test/deploy/envoy-config-checks';

/**
 * docker/compose.yaml, the documented way to try the cloud path on one machine. No Docker engine
 * runs here, so what can be checked is checked: well-formed YAML, every build context, Dockerfile
 * and mounted file exists, every env name is one the app's config schema reads, the ports and
 * names wire the services together (Envoy → sidecar → ingest → PostgreSQL, Envoy → mock upstream),
 * and the mock upstream itself runs and replays its fixtures byte for byte.
 */

const root = workspaceRoot();
const composeDir = path.join(root, 'docker');
const composeFile = path.join(composeDir, 'compose.yaml');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  network_mode?: string;
  healthcheck?: Json;
  user?: string;
}

const text = readFileSync(composeFile, 'utf8');
const compose = parse(text) as { name: string; services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker/compose.yaml has no service ${name}`);
  return found;
};

/** Compose's `${VAR:-default}` interpolation with nothing set: the defaults. */
const interpolate = (value: string) => value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback);
const env = (name: string) => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
/** "127.0.0.1:8082:8082" → 8082 (the container side). */
const containerPorts = (name: string) => (service(name).ports ?? []).map((p) => Number(p.split('#')[0]!.trim().split(':').pop()));

const mockScript = path.join(composeDir, 'mock-upstream/server.mjs');
/** The env names the mock upstream reads (`process.env.NAME`). */
const MOCK_ENV = new Set([...readFileSync(mockScript, 'utf8').matchAll(/process\.env\.([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
/** The official postgres image's documented initialisation variables. */
const POSTGRES_ENV = new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'POSTGRES_INITDB_ARGS', 'PGDATA']);

const READS: Record<string, Set<string>> = {
  postgres: POSTGRES_ENV,
  migrate: new Set(Object.keys(migrateSettings.shape)),
  ingest: new Set(Object.keys(ingestSettings.shape)),
  sidecar: new Set(Object.keys(sidecarSettings.shape).filter((n) => n !== 'SPOOL_DIR')), // SPOOL_DIR: deprecated (#11)
  'mock-upstream': MOCK_ENV,
  envoy: new Set(),
};

describe('docker/compose.yaml', () => {
  it('is well-formed YAML with the five parts of the cloud path (and the migration step)', () => {
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    expect(Object.keys(services).sort()).toEqual(['envoy', 'ingest', 'migrate', 'mock-upstream', 'postgres', 'sidecar']);
    for (const [name, s] of Object.entries(services)) expect([name, Boolean(s.image || s.build)]).toEqual([name, true]);
  });

  it('builds from contexts and Dockerfiles that exist, and mounts only files of the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) {
        const context = path.resolve(composeDir, s.build.context);
        expect([name, context]).toEqual([name, root]);
        expect([name, existsSync(path.join(context, s.build.dockerfile))]).toEqual([name, true]);
      }
      for (const volume of s.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('.')) expect([name, source, existsSync(path.resolve(composeDir, source!))]).toEqual([name, source, true]);
        else expect(compose.volumes).toHaveProperty(source!); // a named volume, declared
      }
    }
    // The images built here are the ones the Dockerfile tests check; the others are pinned public images.
    expect(service('migrate').build?.dockerfile).toBe('docker/ingest/Dockerfile');
    expect(service('ingest').image).toBe(service('migrate').image); // built once by migrate, run by ingest
    expect(service('sidecar').build?.dockerfile).toBe('docker/sidecar/Dockerfile');
    expect(service('postgres').image).toMatch(/^postgres:15/); // the version tests run on (design §11)
    expect(service('mock-upstream').image).toMatch(/^node:20-/);
    const sidecarChart = parse(readFileSync(path.join(root, 'docker/helm/tapes-sidecar/values.yaml'), 'utf8')) as Json;
    expect(service('envoy').image).toBe(`${sidecarChart['envoy']['image']['repository']}:${sidecarChart['envoy']['image']['tag']}`);
  });

  it.each(Object.keys(READS))('sets only environment variables %s reads', (name) => {
    const names = Object.keys(service(name).environment ?? {});
    expect(names.filter((n) => !READS[name]!.has(n))).toEqual([]);
  });

  it('gives every app a valid configuration (the schemas parse the env as given)', () => {
    expect(() => ingestConfigSchema.parse(env('ingest'))).not.toThrow();
    expect(() => migrateConfigSchema.parse(env('migrate'))).not.toThrow();
    expect(() => sidecarConfigSchema.parse(env('sidecar'))).not.toThrow();
  });

  it('wires ingest and the migration step to the PostgreSQL service, in order', () => {
    const pgEnv = env('postgres');
    for (const name of ['ingest', 'migrate']) {
      const url = new URL(env(name)['DATABASE_URL']!);
      expect([name, url.hostname, Number(url.port), url.username, url.password, url.pathname]).toEqual([name, 'postgres', 5432, pgEnv['POSTGRES_USER'], pgEnv['POSTGRES_PASSWORD'], `/${pgEnv['POSTGRES_DB']}`]);
    }
    expect(service('postgres').healthcheck?.['test']).toContain('pg_isready');
    expect(service('migrate').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(service('migrate').command).toEqual(['node', 'migrate.js']);
    expect(service('ingest').depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
  });

  it('points the sidecar at the ingest service, with the token ingest requires', () => {
    const ingest = ingestConfigSchema.parse(env('ingest'));
    const sidecar = sidecarConfigSchema.parse(env('sidecar'));
    const url = new URL(sidecar.ingest.url);
    expect([url.hostname, Number(url.port)]).toEqual(['ingest', ingest.listen.port]);
    expect(containerPorts('ingest')).toEqual([ingest.listen.port]);
    expect(ingest.listen.host).toBe('0.0.0.0');
    expect(sidecar.ingest.token).toBeDefined();
    expect(sidecar.ingest.token).toBe(ingest.access.token);
  });

  it("runs the sidecar in Envoy's network namespace, where Envoy's ext_proc cluster reaches its gRPC port", () => {
    const sidecar = sidecarConfigSchema.parse(env('sidecar'));
    expect(service('sidecar').network_mode).toBe('service:envoy');
    expect(service('sidecar').ports).toBeUndefined(); // published by envoy, whose namespace it shares
    const [mount] = service('envoy').volumes ?? [];
    const config = parse(readFileSync(path.resolve(composeDir, mount!.split(':')[0]!), 'utf8')) as Json;
    expect(mount!.split(':')[1]).toBe(service('envoy').command![service('envoy').command!.indexOf('--config-path') + 1]);
    const listeners = (config['static_resources']['listeners'] as Json[]).map((l) => String(l['name']));
    expect(envoyConfigProblems(config, { sidecarGrpcPort: sidecar.grpc.port, captureListeners: listeners })).toEqual([]);
    expect(clusterEndpoints(config, extProcClusterName(config)!)).toEqual([{ address: sidecar.grpc.host, port: sidecar.grpc.port }]);
    // Envoy publishes its listeners and the sidecar's HTTP port, nothing else.
    const listenerPorts = (config['static_resources']['listeners'] as Json[]).map((l) => Number(l['address']['socket_address']['port_value']));
    expect(containerPorts('envoy').sort()).toEqual([...listenerPorts, sidecar.http.port].sort());
    expect(sidecar.http.host).toBe('0.0.0.0');
    // Every upstream cluster is the mock upstream, on the port it listens on.
    const upstreams = (config['static_resources']['clusters'] as Json[]).map((c) => String(c['name'])).filter((n) => n.startsWith('upstream_'));
    expect(upstreams.length).toBeGreaterThan(0);
    for (const name of upstreams) expect(clusterEndpoints(config, name)).toEqual([{ address: 'mock-upstream', port: Number(env('mock-upstream')['PORT']) }]);
  });

  it('publishes on 127.0.0.1 only, and every http://127.0.0.1 address the guide and the file tell a user to use is published', () => {
    const published = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => p.split('#')[0]!.trim()));
    for (const mapping of published) expect(mapping).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    const hostPorts = new Set(published.map((m) => Number(m.split(':')[1])));
    const guide = readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');
    const composePart = guide.slice(guide.indexOf('### On one machine'), guide.indexOf('## Migrations'));
    const told = [...`${composePart}\n${text}`.matchAll(/https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((m) => Number(m[1]));
    expect(told.length).toBeGreaterThan(0);
    expect([...new Set(told)].filter((p) => !hostPorts.has(p))).toEqual([]);
    // PostgreSQL is published on the port its image listens on, the one ingest's URL names.
    expect(containerPorts('postgres')).toEqual([Number(new URL(env('ingest')['DATABASE_URL']!).port)]);
  });

  describe('the mock upstream (docker/mock-upstream/server.mjs)', () => {
    let child: ChildProcess;
    let base = '';

    beforeAll(async () => {
      // As the compose service runs it, on a free port, replaying the repository's fixtures/.
      child = spawn(process.execPath, [mockScript], { env: { PATH: process.env['PATH'], PORT: '0', MOCK_CHUNK_DELAY_MS: '1', FIXTURES_DIR: path.join(root, 'fixtures') }, stdio: ['ignore', 'pipe', 'inherit'] });
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`mock upstream exited (${code}) before listening: ${out}`)));
      });
      base = `http://127.0.0.1:${port}`;
    });

    afterAll(() => {
      child?.kill('SIGTERM');
    });

    it.each([
      { path: '/v1/messages', body: { stream: true }, file: 'anthropic/messages_stream.sse', type: 'text/event-stream' },
      { path: '/v1/messages', body: {}, file: 'anthropic/messages_oneshot.json', type: 'application/json' },
      { path: '/v1/chat/completions', body: { stream: true }, file: 'openai_chat/text_stream.sse', type: 'text/event-stream' },
      { path: '/v1/chat/completions', body: { stream: false }, file: 'openai_chat/text_oneshot.json', type: 'application/json' },
      { path: '/v1/responses', body: { stream: true }, file: 'openai_responses/stream.sse', type: 'text/event-stream' },
      { path: '/v1/responses', body: {}, file: 'openai_responses/oneshot.json', type: 'application/json' },
      { path: '/api/chat', body: {}, file: 'ollama/chat_stream.ndjson', type: 'application/x-ndjson' },
      { path: '/api/chat', body: { stream: false }, file: 'ollama/chat_oneshot.json', type: 'application/json' },
    ])('replays $file byte for byte for POST $path $body', async ({ path: route, body, file, type }) => {
      const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', ...body }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(root, 'fixtures', file)))).toBe(true);
    });

    it('replays the fixture a request names, and refuses names outside fixtures/', async () => {
      const named = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'x-mock-fixture': 'anthropic/messages_tool_use.sse' }, body: '{"stream":true}' });
      expect(Buffer.from(await named.arrayBuffer()).equals(readFileSync(path.join(root, 'fixtures/anthropic/messages_tool_use.sse')))).toBe(true);
      const outside = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'x-mock-fixture': '../package.json' }, body: '{}' });
      expect(outside.status).toBe(400);
      expect((await fetch(`${base}/v1/unknown`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    });
  });
});
