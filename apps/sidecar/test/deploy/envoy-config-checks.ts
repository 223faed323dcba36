/**
 * What the sidecar needs from an Envoy configuration (docs/ext-proc.md §3), checked on the parsed
 * YAML. No Envoy binary runs here, so these checks are the review that can be automated: every
 * listener routes through the ext_proc filter before the router, in observability mode with
 * streamed bodies, failing open, towards an h2c cluster on the sidecar's port; upstreams use TLS
 * with SNI and verify the certificate's name.
 */

type Json = Record<string, unknown>;

const EXT_PROC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

export const REQUIRED_PROCESSING_MODE = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'STREAMED',
  response_body_mode: 'STREAMED',
  request_trailer_mode: 'SEND',
  response_trailer_mode: 'SEND',
};

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface ClusterEndpoint {
  address: string;
  port: number;
}

export function clusterEndpoints(config: Json, name: string): ClusterEndpoint[] {
  const cluster = list(obj(config['static_resources'])['clusters']).map(obj).find((c) => c['name'] === name);
  if (!cluster) return [];
  return list(obj(cluster['load_assignment'])['endpoints'])
    .flatMap((e) => list(obj(e)['lb_endpoints']))
    .map((lb) => obj(obj(obj(obj(lb)['endpoint'])['address'])['socket_address']))
    .map((s) => ({ address: String(s['address']), port: Number(s['port_value']) }));
}

/** The ext_proc cluster every listener uses (undefined when they disagree or none is found). */
export function extProcClusterName(config: Json): string | undefined {
  const names = new Set(httpFilters(config).flatMap(({ filters }) => filters.filter((f) => obj(f['typed_config'])['@type'] === EXT_PROC_TYPE).map((f) => String(obj(obj(obj(f['typed_config'])['grpc_service'])['envoy_grpc'])['cluster_name']))));
  return names.size === 1 ? [...names][0] : undefined;
}

function httpFilters(config: Json): Array<{ listener: string; filters: Json[] }> {
  return list(obj(config['static_resources'])['listeners'])
    .map(obj)
    .flatMap((listener) =>
      list(listener['filter_chains'])
        .flatMap((chain) => list(obj(chain)['filters']))
        .map(obj)
        .filter((f) => obj(f['typed_config'])['@type'] === HCM_TYPE)
        .map((hcm) => ({ listener: String(listener['name']), filters: list(obj(hcm['typed_config'])['http_filters']).map(obj) })),
    );
}

/**
 * Problems with `config`, as sentences (empty when it is right). `captureListeners` names the
 * listeners that carry LLM traffic; others (a readiness listener) need no ext_proc.
 */
export function envoyConfigProblems(config: Json, expected: { sidecarGrpcPort: number; captureListeners: string[] }): string[] {
  const problems: string[] = [];
  const byListener = new Map(httpFilters(config).map((h) => [h.listener, h.filters]));
  if (expected.captureListeners.length === 0) problems.push('no capture listeners to check');
  for (const name of expected.captureListeners) {
    const filters = byListener.get(name);
    if (!filters) {
      problems.push(`listener ${name} has no HTTP connection manager`);
      continue;
    }
    const extIndex = filters.findIndex((f) => obj(f['typed_config'])['@type'] === EXT_PROC_TYPE);
    const routerIndex = filters.findIndex((f) => obj(f['typed_config'])['@type'] === ROUTER_TYPE);
    if (extIndex === -1) problems.push(`listener ${name}: no ext_proc filter`);
    if (routerIndex !== filters.length - 1) problems.push(`listener ${name}: the router must be the last HTTP filter`);
    if (extIndex > routerIndex) problems.push(`listener ${name}: ext_proc must come before the router`);
    const ext = obj(filters[extIndex]?.['typed_config']);
    if (ext['observability_mode'] !== true) problems.push(`listener ${name}: observability_mode must be true`);
    if (ext['failure_mode_allow'] !== true) problems.push(`listener ${name}: failure_mode_allow must be true (a sidecar failure must never fail traffic)`);
    const mode = obj(ext['processing_mode']);
    for (const [key, want] of Object.entries(REQUIRED_PROCESSING_MODE)) if (mode[key] !== want) problems.push(`listener ${name}: processing_mode.${key} is ${String(mode[key])}, expected ${want}`);
  }
  const clusterName = extProcClusterName(config);
  if (!clusterName) {
    problems.push('the listeners do not agree on one ext_proc cluster');
    return problems;
  }
  const cluster = list(obj(config['static_resources'])['clusters']).map(obj).find((c) => c['name'] === clusterName);
  if (!cluster) return [...problems, `ext_proc cluster ${clusterName} is not defined`];
  const http2 = obj(obj(obj(obj(cluster['typed_extension_protocol_options'])['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'])['explicit_http_config'])['http2_protocol_options']);
  if (!('http2_protocol_options' in obj(obj(obj(cluster['typed_extension_protocol_options'])['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'])['explicit_http_config'])) || typeof http2 !== 'object') {
    problems.push(`ext_proc cluster ${clusterName} must speak HTTP/2 (explicit_http_config.http2_protocol_options)`);
  }
  if (cluster['transport_socket'] !== undefined) problems.push(`ext_proc cluster ${clusterName} must be cleartext (h2c): no transport_socket`);
  const endpoints = clusterEndpoints(config, clusterName);
  if (endpoints.length !== 1 || endpoints[0]?.address !== '127.0.0.1' || endpoints[0]?.port !== expected.sidecarGrpcPort) {
    problems.push(`ext_proc cluster ${clusterName} must point at 127.0.0.1:${expected.sidecarGrpcPort}, points at ${endpoints.map((e) => `${e.address}:${e.port}`).join(', ') || 'nothing'}`);
  }
  return problems;
}

/** TLS upstream clusters: SNI and the verified certificate name equal the endpoint's host. */
export function upstreamTlsProblems(config: Json, clusterNames: string[]): string[] {
  const problems: string[] = [];
  for (const name of clusterNames) {
    const cluster = list(obj(config['static_resources'])['clusters']).map(obj).find((c) => c['name'] === name);
    const host = clusterEndpoints(config, name)[0]?.address;
    const tls = obj(obj(cluster?.['transport_socket'])['typed_config']);
    if (tls['@type'] !== TLS_TYPE) {
      problems.push(`cluster ${name}: no upstream TLS`);
      continue;
    }
    if (tls['sni'] !== host) problems.push(`cluster ${name}: sni ${String(tls['sni'])} is not the endpoint host ${String(host)}`);
    const validation = obj(obj(tls['common_tls_context'])['validation_context']);
    if (!obj(validation['trusted_ca'])['filename']) problems.push(`cluster ${name}: no trusted_ca, the upstream certificate would not be verified`);
    const sans = list(validation['match_typed_subject_alt_names']).map((m) => obj(obj(m)['matcher'])['exact']);
    if (!sans.includes(host)) problems.push(`cluster ${name}: the certificate name is not checked against ${String(host)}`);
  }
  return problems;
}
