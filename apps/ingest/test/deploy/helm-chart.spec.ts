import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  containerOf,
  createTestPostgres,
  envOf,
  helmBinary,
  podSpecOf,
  renderChart,
  runHelm,
  validateManifests,
  workspaceRoot,
  type Manifest,
  type RenderOptions,
} from '@tapes/testing';
import pg from 'pg';
import { ingestConfigSchema, ingestSettings } from '../../src/config/ingest-config';
import { migrateSettings } from '../../src/migrate';

/**
 * docker/helm/tapes-ingest, checked offline with a real helm and the Kubernetes API schemas (as
 * the sidecar chart's test does): lint, render three value sets, validate every manifest, and the
 * wiring inside the chart — env names ingest actually reads, credentials only from Secrets, probes
 * on the terminus endpoints, the migration Job before the replicas, selectors that never take the
 * Job's pod into the Service. Then the Job's command itself: `node migrate.js` from the real
 * bundle, against PostgreSQL.
 */

const root = workspaceRoot();
const chart = path.join(root, 'docker/helm/tapes-ingest');
const ciValues = path.join(chart, 'ci/monitoring-values.yaml');
const INLINE = ['database.url=postgresql://tapes:s3cret@db.example:5432/tapes', 'auth.token=a-token-of-sixteen+', 'serviceAccount.create=false', 'serviceAccount.name=tapes-runner'];

const INGEST_ENV = new Set(Object.keys(ingestSettings.shape));
const MIGRATE_ENV = new Set(Object.keys(migrateSettings.shape));

beforeAll(() => {
  helmBinary();
}, 240_000);

const VARIANTS: Array<{ name: string; options: RenderOptions; kinds: string[] }> = [
  { name: 'default values', options: {}, kinds: ['Deployment', 'HorizontalPodAutoscaler', 'Job', 'PodDisruptionBudget', 'Service', 'ServiceAccount'] },
  {
    name: 'existing Secrets, fixed replicas, ServiceMonitor, NetworkPolicy',
    options: { values: [ciValues] },
    kinds: ['Deployment', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor'],
  },
  { name: 'the URL and token in values', options: { set: INLINE }, kinds: ['Deployment', 'HorizontalPodAutoscaler', 'Job', 'PodDisruptionBudget', 'Secret', 'Secret', 'Service'] },
];

const deployment = (r: ReturnType<typeof renderChart>) => r.one('Deployment');
const job = (r: ReturnType<typeof renderChart>) => r.one('Job');
const ingest = (r: ReturnType<typeof renderChart>) => containerOf(deployment(r), 'ingest');
const migrate = (r: ReturnType<typeof renderChart>) => containerOf(job(r), 'migrate');
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const secretRef = (container: Manifest, name: string) => envOf(container, name)?.['valueFrom']?.['secretKeyRef'] as { name: string; key: string } | undefined;

describe('docker/helm/tapes-ingest', () => {
  it.each([
    { name: 'default values', args: [] as string[] },
    { name: 'CI values', args: ['-f', ciValues] },
    { name: 'the URL and token in values', args: INLINE.flatMap((s) => ['--set', s]) },
  ])('passes helm lint --strict with $name', ({ args }) => {
    const result = runHelm(['lint', '--strict', chart, ...args]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  describe.each(VARIANTS)('rendered with $name', ({ options, kinds }) => {
    const rendered = () => renderChart(chart, options);

    it('renders exactly the expected objects, each valid against the Kubernetes schemas', () => {
      const { docs, text } = rendered();
      expect(docs.map((d) => d['kind']).sort()).toEqual([...kinds].sort());
      const { status, report } = validateManifests(text);
      expect(report.filter((r) => !r.ok)).toEqual([]);
      expect(report.map((r) => r.kind).sort()).toEqual([...kinds].sort());
      expect(status).toBe(0);
    });

    it('sets only environment variables ingest and its migration entry read, credentials only from Secrets', () => {
      const r = rendered();
      const names = (c: Manifest) => (c['env'] as Manifest[]).map((e) => String(e['name']));
      expect(names(ingest(r)).filter((n) => !INGEST_ENV.has(n))).toEqual([]);
      expect(new Set(names(ingest(r))).size).toBe(names(ingest(r)).length);
      expect(names(migrate(r)).filter((n) => !MIGRATE_ENV.has(n))).toEqual([]);
      for (const c of [ingest(r), migrate(r)]) {
        expect(envOf(c, 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: expect.objectContaining({ name: expect.any(String), key: expect.any(String) }) } });
      }
      const token = envOf(ingest(r), 'INGEST_TOKEN');
      if (token) expect(token['value']).toBeUndefined();
      expect(envOf(migrate(r), 'INGEST_TOKEN')).toBeUndefined();
    });

    it('listens where the Service sends traffic, and probes the terminus endpoints on that port', () => {
      const r = rendered();
      const c = ingest(r);
      const port = (c['ports'] as Manifest[]).find((p) => p['name'] === 'http');
      expect(Number(envOf(c, 'INGEST_PORT')?.['value'])).toBe(port?.['containerPort']);
      expect(envOf(c, 'INGEST_HOST')?.['value']).toBe('0.0.0.0');
      const service = r.one('Service');
      expect(service['spec']['ports']).toEqual([{ name: 'http', port: port?.['containerPort'], targetPort: 'http', protocol: 'TCP' }]);
      expect(c['startupProbe']['httpGet']).toEqual({ path: '/health/live', port: 'http' });
      expect(c['livenessProbe']['httpGet']).toEqual({ path: '/health/live', port: 'http' });
      expect(c['readinessProbe']['httpGet']).toEqual({ path: '/health', port: 'http' }); // pings the database
    });

    it('selects the replicas alone: the Service, the budget and the rollout never take the migration pod', () => {
      const r = rendered();
      const d = deployment(r);
      const selector = d['spec']['selector']['matchLabels'] as Record<string, string>;
      expect(matches(selector, d['spec']['template']['metadata']['labels'])).toBe(true);
      expect(r.one('Service')['spec']['selector']).toEqual(selector);
      expect(r.one('PodDisruptionBudget')['spec']['selector']['matchLabels']).toEqual(selector);
      expect(matches(selector, job(r)['spec']['template']['metadata']['labels'])).toBe(false);
    });

    it('runs every container non-root, read-only, without privilege escalation or capabilities, with resources', () => {
      const r = rendered();
      for (const workload of [deployment(r), job(r)]) {
        expect(podSpecOf(workload)['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(podSpecOf(workload)['automountServiceAccountToken']).toBe(false);
        for (const c of podSpecOf(workload)['containers'] as Manifest[]) {
          expect(c['securityContext']).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
          expect(c['securityContext']['runAsUser']).toBeGreaterThan(0);
          expect(c['resources']['requests']).toBeDefined();
          expect(c['resources']['limits']['memory']).toBeDefined();
        }
      }
    });

    it('migrates in a pre-install/pre-upgrade Job with the same image and database as the replicas', () => {
      const r = rendered();
      const j = job(r);
      expect(j['metadata']['annotations']).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
      expect(podSpecOf(j)['restartPolicy']).toBe('Never');
      expect(j['spec']['backoffLimit']).toBeGreaterThan(0);
      const m = migrate(r);
      expect(m['command']).toEqual(['node', 'migrate.js']);
      expect([m['image'], m['imagePullPolicy']]).toEqual([ingest(r)['image'], ingest(r)['imagePullPolicy']]);
      const jobRef = secretRef(m, 'DATABASE_URL')!;
      const appRef = secretRef(ingest(r), 'DATABASE_URL')!;
      const hookSecret = r.all('Secret').find((s) => s['metadata']['name'] === jobRef.name);
      if (hookSecret) {
        // A URL from values: the Job reads a hook copy made before it (the release's Secret does not exist yet on a first install).
        expect(hookSecret['metadata']['annotations']['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(Number(hookSecret['metadata']['annotations']['helm.sh/hook-weight'])).toBeLessThan(Number(j['metadata']['annotations']['helm.sh/hook-weight']));
        const appSecret = r.one('Secret', appRef.name);
        const decoded = (data: Manifest, key: string) => Buffer.from(String(data[key] ?? ''), 'base64').toString();
        expect(decoded(hookSecret['data'], jobRef.key)).toMatch(/^postgresql:\/\//);
        expect(decoded(hookSecret['data'], jobRef.key)).toBe(decoded(appSecret['data'], appRef.key));
      } else {
        expect(jobRef).toEqual(appRef); // an existing Secret, there before the install
      }
      // The release's ServiceAccount does not exist while pre-install hooks run.
      const created = r.all('ServiceAccount').map((s) => s['metadata']['name']);
      if (podSpecOf(j)['serviceAccountName']) expect(created).not.toContain(podSpecOf(j)['serviceAccountName']);
    });

    it('scales with the HorizontalPodAutoscaler when it is on (no fixed replica count), else runs replicaCount replicas', () => {
      const r = rendered();
      const hpa = r.all('HorizontalPodAutoscaler');
      if (hpa.length) {
        expect(hpa[0]!['spec']['scaleTargetRef']).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment(r)['metadata']['name'] });
        expect(hpa[0]!['spec']['minReplicas']).toBeGreaterThanOrEqual(2);
        expect(deployment(r)['spec']['replicas']).toBeUndefined();
      } else {
        expect(deployment(r)['spec']['replicas']).toBe(4);
      }
      expect(deployment(r)['spec']['strategy']['rollingUpdate']['maxUnavailable']).toBe(0);
    });
  });

  it.each([
    { name: 'an existing Secret', options: { values: [ciValues] }, database: { name: 'tapes-pgbouncer', key: 'DATABASE_URL' }, token: { name: 'tapes-ingest-token', key: 'bearer' } },
    { name: 'values (a Secret the chart creates)', options: { set: INLINE }, database: { name: 'demo-tapes-ingest', key: 'database-url' }, token: { name: 'demo-tapes-ingest', key: 'token' } },
    { name: 'the defaults', options: {}, database: { name: 'tapes-database', key: 'url' }, token: undefined },
  ])('takes DATABASE_URL and INGEST_TOKEN from $name', ({ options, database, token }) => {
    const r = renderChart(chart, options);
    expect(secretRef(ingest(r), 'DATABASE_URL')).toEqual(database);
    expect(secretRef(ingest(r), 'INGEST_TOKEN')).toEqual(token);
    if (database.name === 'demo-tapes-ingest') {
      const data = r.one('Secret', 'demo-tapes-ingest')['data'];
      expect(Buffer.from(data['database-url'], 'base64').toString()).toBe('postgresql://tapes:s3cret@db.example:5432/tapes');
      expect(Buffer.from(data['token'], 'base64').toString()).toBe('a-token-of-sixteen+');
      expect(r.text).not.toContain('s3cret'); // only base64, in Secrets
    }
  });

  it('refuses to render without a database', () => {
    const result = runHelm(['template', 'demo', chart, '--set', 'database.existingSecret=']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('tapes-ingest needs PostgreSQL');
  });

  it('leaves migrations to the replicas when the Job is off', () => {
    const r = renderChart(chart, { set: ['migrations.enabled=false', 'database.url=postgresql://db/tapes'] });
    expect(r.all('Job')).toEqual([]);
    expect(r.all('Secret').map((s) => s['metadata']['name'])).toEqual(['demo-tapes-ingest']);
  });

  it('passes the retention period to every replica as TAPES_RETENTION, in the syntax ingest reads', () => {
    const c = ingest(renderChart(chart, { values: [ciValues] }));
    const value = String(envOf(c, 'TAPES_RETENTION')?.['value']);
    expect(value).toBe('30d');
    expect(ingestConfigSchema.parse({ TAPES_RETENTION: value }).retentionMs).toBe(30 * 86_400_000);
    expect(envOf(ingest(renderChart(chart)), 'TAPES_RETENTION')).toBeUndefined();
  });

  it('runs without a token only when auth.disabled says so (#13): INGEST_AUTH=off, which ingest accepts on the pod address', () => {
    expect(envOf(ingest(renderChart(chart)), 'INGEST_AUTH')).toBeUndefined();
    const off = ingest(renderChart(chart, { set: ['auth.disabled=true'] }));
    expect(envOf(off, 'INGEST_AUTH')).toEqual({ name: 'INGEST_AUTH', value: 'off' });
    expect(envOf(off, 'INGEST_TOKEN')).toBeUndefined();
    const env = { INGEST_HOST: String(envOf(off, 'INGEST_HOST')?.['value']), INGEST_AUTH: 'off' };
    expect(ingestConfigSchema.safeParse(env).success).toBe(true);
    // The defaults (no token, not off) render, but ingest refuses that configuration at start-up, and says so.
    expect(ingestConfigSchema.safeParse({ INGEST_HOST: env.INGEST_HOST }).success).toBe(false);
    const both = runHelm(['template', 'demo', chart, '--set', 'auth.disabled=true', '--set', 'auth.token=a-token-of-sixteen+']);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toContain('auth.disabled=true and a token');
  });

  it('passes auth.allowedHosts as INGEST_ALLOWED_HOSTS, in the syntax ingest reads', () => {
    const c = ingest(renderChart(chart, { set: ['auth.allowedHosts={tapes-ingest.tapes.svc,tapes.example:8082}'] }));
    const value = String(envOf(c, 'INGEST_ALLOWED_HOSTS')?.['value']);
    expect(value).toBe('tapes-ingest.tapes.svc,tapes.example:8082');
    expect(ingestConfigSchema.parse({ INGEST_ALLOWED_HOSTS: value }).access.allowedHosts).toEqual(['tapes-ingest.tapes.svc', 'tapes.example:8082']);
    expect(envOf(ingest(renderChart(chart)), 'INGEST_ALLOWED_HOSTS')).toBeUndefined();
  });

  it('scrapes /metrics on the port of the Service it selects when the ServiceMonitor is on', () => {
    const r = renderChart(chart, { values: [ciValues] });
    const monitor = r.one('ServiceMonitor');
    expect(monitor['spec']['endpoints']).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    expect(monitor['metadata']['labels']['release']).toBe('kube-prometheus-stack');
    expect(matches(monitor['spec']['selector']['matchLabels'], r.one('Service')['metadata']['labels'])).toBe(true);
  });

  it('admits turns from the sidecar pods and scrapes from the monitoring namespace only, and lets the pods reach DNS and the database only', () => {
    const r = renderChart(chart, { values: [ciValues] });
    const policy = r.one('NetworkPolicy');
    const d = deployment(r);
    expect(matches(policy['spec']['podSelector']['matchLabels'], d['spec']['template']['metadata']['labels'])).toBe(true);
    expect(matches(policy['spec']['podSelector']['matchLabels'], job(r)['spec']['template']['metadata']['labels'])).toBe(true);
    expect(policy['spec']['policyTypes']).toEqual(['Ingress', 'Egress']);
    const [rule] = policy['spec']['ingress'] as Manifest[];
    expect(rule!['ports']).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(rule!['from']).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tapes-sidecar' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    const egressPorts = (policy['spec']['egress'] as Manifest[]).flatMap((e) => (e['ports'] as Manifest[]).map((p) => p['port']));
    expect(egressPorts.sort()).toEqual([53, 53, 6432]);
  });

  it.each([
    { name: 'an unknown top-level key', set: ['replicas=3'], error: /replicas/ },
    { name: 'a database URL that is not PostgreSQL', set: ['database.url=mysql://db/tapes'], error: /url/ },
    { name: 'a token shorter than ingest accepts', set: ['auth.token=short'], error: /token/ },
    { name: 'a port out of range', set: ['port=70000'], error: /port/ },
    { name: 'an unknown log format', set: ['logFormat=xml'], error: /logFormat/ },
    { name: 'a retention that is not a duration', set: ['retention=a month'], error: /retention/ },
    { name: 'an allowed host that is a URL', set: ['auth.allowedHosts={http://x/}'], error: /allowedHosts/ },
  ])('refuses $name through values.schema.json', ({ set, error }) => {
    const result = runHelm(['template', 'demo', chart, ...set.flatMap((s) => ['--set', s])]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(error);
  });

  it('prints NOTES that tell where turns go, which Secrets it reads, and where the migration Job logs', () => {
    const result = runHelm(['install', '--dry-run=client', 'demo', chart, '--namespace', 'tapes']);
    expect(result.status).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('http://demo-tapes-ingest.tapes.svc:8082/v1/ingest');
    expect(notes).toContain('kubectl -n tapes create secret generic tapes-database --from-literal=url=');
    expect(notes).toContain('WARNING: no token');
    expect(notes).toContain('ingest refuses to start without one');
    expect(notes).toContain('logs job/demo-tapes-ingest-migrate');
  });
});

describe("the migration Job's command, node migrate.js", () => {
  it('is built beside main.js by the app bundler (so it is in the image) and migrates a database, then reports it current', async () => {
    mkdirSync(path.join(root, 'tmp'), { recursive: true }); // gitignored: absent in a fresh clone
    const out = mkdtempSync(path.join(root, 'tmp', 'ingest-bundle-'));
    const db = await createTestPostgres();
    try {
      const build = spawnSync(process.execPath, [path.join(root, 'tools/build/build-app.mjs'), 'ingest'], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, TAPES_BUILD_OUT_DIR: out } });
      expect([build.status, build.stderr]).toEqual([0, '']);
      // The Dockerfile ships the bundle folder as the image's /app, the Job's working directory.
      const dockerfile = readFileSync(path.join(root, 'docker/ingest/Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
      expect(dockerfile).toContain('COPY --from=build /repo/dist/apps/ingest ./');

      const run = () => spawnSync(process.execPath, ['migrate.js'], { cwd: out, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env['PATH'], DATABASE_URL: db.url } });
      const first = run();
      expect([first.status, first.stderr]).toEqual([0, '']);
      // Every PostgreSQL migration the repository holds, oldest first.
      const migrations = readdirSync(path.join(root, 'libs/storage/prisma/pg/migrations')).filter((name) => /^\d{14}_/.test(name)).sort();
      expect(first.stdout).toContain(`applied ${migrations.length}: ${migrations.join(', ')}\n`);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`);
        expect(Number(rows[0]?.n)).toBe(migrations.length);
      } finally {
        await client.end();
      }
      const again = run();
      expect(again.status).toBe(0);
      expect(again.stdout).toContain(`up to date (${migrations.length} applied)`);

      const refused = spawnSync(process.execPath, ['migrate.js'], { cwd: out, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'], DATABASE_URL: 'mysql://db/tapes' } });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('DATABASE_URL');
    } finally {
      rmSync(out, { recursive: true, force: true });
      await db.drop();
    }
  }, 240_000);
});
