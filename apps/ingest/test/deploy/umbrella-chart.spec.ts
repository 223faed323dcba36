import { readFileSync } from 'node:fs';
import path from 'node:path';
import { containerOf, envOf, helmBinary, renderChart, runHelm, validateManifests, workspaceRoot, type Manifest, type RenderOptions } from '@tapes/testing';
import { parse } from 'yaml';
import { ingestSettings } from '../../src/config/ingest-config';

/**
 * docker/helm/tapes, the umbrella chart: tapes-sidecar and tapes-ingest in one release, wired
 * together. Checked as the two charts are (lint, three value sets, Kubernetes schemas), plus the
 * wiring: the sidecar posts to this release's ingest Service, both read the token from one Secret,
 * and ingest's NetworkPolicy admits exactly this release's gateway pods.
 */

const root = workspaceRoot();
const chart = path.join(root, 'docker/helm/tapes');
const ciValues = path.join(chart, 'ci/existing-secrets-values.yaml');
const INLINE = ['global.tapes.ingestToken.value=a-shared-token-of-24-ch', 'tapes-ingest.database.url=postgresql://tapes:pw@pgbouncer.db:6432/tapes'];
const INGEST_ENV = new Set(Object.keys(ingestSettings.shape));

beforeAll(() => {
  helmBinary();
  // Packs ../tapes-ingest and ../tapes-sidecar into charts/ (file:// dependencies, offline), so
  // what is tested is the two charts as they are in the working tree.
  const built = runHelm(['dependency', 'build', chart]);
  if (built.status !== 0) throw new Error(`helm dependency build failed:\n${built.stderr}`);
}, 240_000);

const INGEST = ['Deployment', 'HorizontalPodAutoscaler', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount'];
const SIDECAR = ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount'];

const VARIANTS: Array<{ name: string; options: RenderOptions; kinds: string[]; tokenSecret: string }> = [
  { name: 'default values (a generated token)', options: {}, kinds: [...INGEST, ...SIDECAR, 'Secret'], tokenSecret: 'demo-ingest-token' },
  {
    name: 'existing Secrets, fixed replicas, ServiceMonitors',
    options: { values: [ciValues] },
    kinds: [...INGEST.filter((k) => k !== 'HorizontalPodAutoscaler'), 'ServiceMonitor', ...SIDECAR, 'ServiceMonitor'],
    tokenSecret: 'team-ingest-token',
  },
  { name: 'the token and database URL in values', options: { set: INLINE }, kinds: [...INGEST, ...SIDECAR, 'Secret', 'Secret', 'Secret'], tokenSecret: 'demo-ingest-token' },
];

const byName = (docs: Manifest[], kind: string, name: string) => {
  const found = docs.find((d) => d['kind'] === kind && d['metadata']['name'] === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

describe('docker/helm/tapes (sidecar + ingest)', () => {
  it.each([
    { name: 'default values', args: [] as string[] },
    { name: 'CI values', args: ['-f', ciValues] },
    { name: 'the token and URL in values', args: INLINE.flatMap((s) => ['--set', s]) },
  ])('passes helm lint --strict with $name', ({ args }) => {
    const result = runHelm(['lint', '--strict', chart, ...args]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('depends on the two charts beside it, at their versions, and its lock file agrees', () => {
    const own = parse(readFileSync(path.join(chart, 'Chart.yaml'), 'utf8')) as { dependencies: Array<{ name: string; version: string; repository: string }> };
    for (const dep of own.dependencies) {
      expect(dep.repository).toBe(`file://../${dep.name}`);
      const sub = parse(readFileSync(path.join(chart, '..', dep.name, 'Chart.yaml'), 'utf8')) as { version: string };
      expect([dep.name, dep.version]).toEqual([dep.name, sub.version]);
    }
    const lock = parse(readFileSync(path.join(chart, 'Chart.lock'), 'utf8')) as { dependencies: unknown[] };
    expect(lock.dependencies).toEqual(own.dependencies.map(({ name, repository, version }) => ({ name, repository, version })));
  });

  describe.each(VARIANTS)('rendered with $name', ({ options, kinds, tokenSecret }) => {
    const rendered = () => renderChart(chart, options);
    const ingest = (docs: Manifest[]) => containerOf(byName(docs, 'Deployment', 'demo-tapes-ingest'), 'ingest');
    const sidecar = (docs: Manifest[]) => containerOf(byName(docs, 'Deployment', 'demo-tapes-sidecar'), 'sidecar');

    it('renders both charts, every object valid against the Kubernetes schemas', () => {
      const { docs, text } = rendered();
      expect(docs.map((d) => d['kind']).sort()).toEqual([...kinds].sort());
      const { status, report } = validateManifests(text);
      expect(report.filter((r) => !r.ok)).toEqual([]);
      expect(report).toHaveLength(kinds.length);
      expect(status).toBe(0);
    });

    it("points the sidecar at this release's ingest Service and port", () => {
      const { docs } = rendered();
      const url = new URL(String(envOf(sidecar(docs), 'INGEST_URL')?.['value']));
      const service = byName(docs, 'Service', url.hostname);
      const [port] = service['spec']['ports'] as Manifest[];
      expect(Number(url.port)).toBe(port!['port']);
      expect(service['spec']['selector']).toEqual(byName(docs, 'Deployment', 'demo-tapes-ingest')['spec']['selector']['matchLabels']);
    });

    it('gives the sidecar and ingest the token from one Secret (key token)', () => {
      const { docs } = rendered();
      const sent = envOf(sidecar(docs), 'INGEST_TOKEN')?.['valueFrom']?.['secretKeyRef'];
      const required = envOf(ingest(docs), 'INGEST_TOKEN')?.['valueFrom']?.['secretKeyRef'];
      expect(sent).toEqual({ name: tokenSecret, key: 'token' });
      expect(required).toEqual(sent);
      const secret = docs.find((d) => d['kind'] === 'Secret' && d['metadata']['name'] === tokenSecret);
      if (tokenSecret === 'team-ingest-token') expect(secret).toBeUndefined(); // the team's own
      else {
        const token = Buffer.from(String(secret?.['data']['token']), 'base64').toString();
        expect(token.length).toBeGreaterThanOrEqual(16); // what ingest accepts
        if (options.set) expect(token).toBe('a-shared-token-of-24-ch');
        else expect(token).toMatch(/^[A-Za-z0-9]{48}$/);
      }
    });

    it("admits this release's gateway pods (and nothing else but metrics scrapers) to ingest", () => {
      const { docs } = rendered();
      const policy = byName(docs, 'NetworkPolicy', 'demo-tapes-ingest');
      const gatewayLabels = byName(docs, 'Deployment', 'demo-tapes-sidecar')['spec']['template']['metadata']['labels'] as Record<string, string>;
      const [rule] = policy['spec']['ingress'] as Manifest[];
      const [fromGateway, ...others] = rule!['from'] as Manifest[];
      expect(Object.entries(fromGateway!['podSelector']['matchLabels']).every(([k, v]) => gatewayLabels[k] === v)).toBe(true);
      expect(fromGateway!['podSelector']['matchLabels']['app.kubernetes.io/instance']).toBe('demo');
      expect(others.every((o) => o['namespaceSelector'] !== undefined)).toBe(true);
    });

    it('sets only environment variables ingest reads', () => {
      const { docs } = rendered();
      const names = (ingest(docs)['env'] as Manifest[]).map((e) => String(e['name']));
      expect(names.filter((n) => !INGEST_ENV.has(n))).toEqual([]);
    });
  });

  it('refuses a shared token shorter than ingest accepts', () => {
    const result = runHelm(['template', 'demo', chart, '--set', 'global.tapes.ingestToken.value=short']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('at least 16 characters');
  });

  it('prints NOTES with where agents point and where turns go', () => {
    const result = runHelm(['install', '--dry-run=client', 'demo', chart, '--namespace', 'llm']);
    expect(result.status).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('ANTHROPIC_BASE_URL=http://demo-tapes-sidecar.llm.svc:10000');
    expect(notes).toContain('Turns are posted to http://demo-tapes-ingest:8082/v1/ingest with the token in Secret demo-ingest-token');
    expect(notes).toContain('Secret tapes-database (key url), which must exist before the install');
  });
});
