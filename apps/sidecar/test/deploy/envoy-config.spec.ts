import { readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';
import { parse } from 'yaml';
import { parseConfig } from '@tapes/nest-kit';
import { sidecarConfigSchema } from '../../src/config/sidecar-config';
import { envoyConfigProblems, upstreamTlsProblems } from './envoy-config-checks';

/** docker/envoy/envoy.yaml: the gateway configuration shipped for docker/compose setups. */
const file = path.join(workspaceRoot(), 'docker/envoy/envoy.yaml');
const load = () => parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const sidecarDefaults = parseConfig('sidecar', sidecarConfigSchema, {});

describe('docker/envoy/envoy.yaml', () => {
  it('parses as YAML', () => {
    expect(load()).toHaveProperty('static_resources.listeners');
  });

  it("observes both provider listeners with the sidecar's default gRPC port, observability mode and streamed bodies", () => {
    expect(envoyConfigProblems(load(), { sidecarGrpcPort: sidecarDefaults.grpc.port, captureListeners: ['anthropic_ingress', 'openai_ingress'] })).toEqual([]);
  });

  it('reaches Anthropic and OpenAI over TLS with SNI and a verified certificate name', () => {
    expect(upstreamTlsProblems(load(), ['upstream_anthropic', 'upstream_openai'])).toEqual([]);
  });

  it('keeps the admin interface on localhost', () => {
    expect(load()).toHaveProperty('admin.address.socket_address.address', '127.0.0.1');
  });
});

describe('the Envoy config checks themselves', () => {
  type Path = Array<string | number>;
  const EXT_PROC: Path = ['static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config', 'http_filters', 0, 'typed_config'];
  const SIDECAR_SOCKET: Path = ['load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'socket_address', 'port_value'];

  /** Sets (or, with `undefined`, removes) the value at `path` of a fresh copy of the file. */
  function problemsAfter(path: Path, value: unknown): string {
    const config = structuredClone(load());
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], config) as Record<string | number, unknown> | unknown[];
    const last = path[path.length - 1] as string | number;
    if (value === undefined && Array.isArray(parent)) parent.splice(Number(last), 1);
    else (parent as Record<string | number, unknown>)[last] = value;
    return envoyConfigProblems(config, { sidecarGrpcPort: 50051, captureListeners: ['anthropic_ingress', 'openai_ingress'] }).join('\n');
  }
  const sidecarClusterIndex = (load()['static_resources'] as { clusters: Array<{ name: string }> }).clusters.findIndex((c) => c.name === 'tapes_sidecar');

  it.each([
    { name: 'observability off', path: [...EXT_PROC, 'observability_mode'], value: false, problem: /observability_mode/ },
    { name: 'failing closed', path: [...EXT_PROC, 'failure_mode_allow'], value: false, problem: /failure_mode_allow/ },
    { name: 'buffered response bodies', path: [...EXT_PROC, 'processing_mode', 'response_body_mode'], value: 'BUFFERED', problem: /response_body_mode/ },
    { name: 'the wrong sidecar port', path: ['static_resources', 'clusters', sidecarClusterIndex, ...SIDECAR_SOCKET], value: 9999, problem: /127\.0\.0\.1:50051/ },
    { name: 'a listener without ext_proc', path: ['static_resources', 'listeners', 1, 'filter_chains', 0, 'filters', 0, 'typed_config', 'http_filters', 0], value: undefined, problem: /openai_ingress: no ext_proc/ },
  ])('flag $name', ({ path, value, problem }) => {
    expect(problemsAfter(path, value)).toMatch(problem);
  });
});
