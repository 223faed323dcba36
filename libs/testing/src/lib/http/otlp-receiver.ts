import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import protobuf from 'protobufjs';

/** One span as the receiver decoded it, ids as lowercase hex, times as nanosecond strings. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  links: { traceId: string; spanId: string }[];
  events: { name: string; attributes: Record<string, unknown> }[];
  scope: string;
  resource: Record<string, unknown>;
}

/** One POST the receiver took. */
export interface ReceivedExport {
  contentType: string;
  authorization: string | undefined;
  spans: ReceivedSpan[];
}

let requestType: protobuf.Type | undefined;
/** ExportTraceServiceRequest, from the subset of opentelemetry-proto beside this file. */
function traceRequestType(): protobuf.Type {
  requestType ??= protobuf.parse(readFileSync(path.join(__dirname, 'otlp-trace.proto'), 'utf8'), { keepCase: true }).root.lookupType('otlp.ExportTraceServiceRequest');
  return requestType;
}

/**
 * A local OTLP/HTTP traces receiver (what a collector's `otlp` receiver does on :4318): takes
 * `POST /v1/traces` in protobuf (`application/x-protobuf`, decoded with opentelemetry-proto's field
 * numbers) or JSON (`application/json`, OTLP's JSON encoding), and keeps every span it received.
 * `refuse` makes it answer an error status instead, to test the sender's failure path.
 */
export class OtlpReceiver {
  readonly exports: ReceivedExport[] = [];
  refuse: number | undefined;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = http.createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver.take(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `http://127.0.0.1:<port>/v1/traces` */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  get spans(): ReceivedSpan[] {
    return this.exports.flatMap((e) => e.spans);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    if (this.refuse !== undefined) {
      res.writeHead(this.refuse, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 3, message: 'refused by the test receiver' }));
      return;
    }
    const contentType = String(req.headers['content-type'] ?? '');
    try {
      const document = contentType.includes('json') ? (JSON.parse(body.toString('utf8')) as OtlpDocument) : protobufDocument(body);
      this.exports.push({ contentType, authorization: req.headers.authorization, spans: flatten(document) });
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (err as Error).message }));
      return;
    }
    // An empty ExportTraceServiceResponse: full success.
    if (contentType.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  }
}

/** Either encoding, normalised to the JSON encoding's shape (ids hex, times as strings). */
interface OtlpDocument {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
  links?: { traceId: string; spanId: string }[];
  events?: { name: string; attributes?: KeyValue[] }[];
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}

function protobufDocument(body: Buffer): OtlpDocument {
  const message = traceRequestType().decode(body);
  const o = traceRequestType().toObject(message, { longs: String, bytes: String, defaults: false, oneofs: false }) as Record<string, unknown>;
  // Re-key the snake_case proto object into the JSON encoding (bytes: base64 → hex).
  const hex = (b64: unknown) => (typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('hex') : '');
  const kv = (list: unknown): KeyValue[] => ((list as { key: string; value: Record<string, unknown> }[] | undefined) ?? []).map((a) => ({ key: a.key, value: anyValue(a.value) }));
  const anyValue = (v: Record<string, unknown> | undefined): AnyValue => {
    if (!v) return {};
    if ('string_value' in v) return { stringValue: v['string_value'] as string };
    if ('bool_value' in v) return { boolValue: v['bool_value'] as boolean };
    if ('int_value' in v) return { intValue: v['int_value'] as string };
    if ('double_value' in v) return { doubleValue: v['double_value'] as number };
    if ('array_value' in v) return { arrayValue: { values: (((v['array_value'] as { values?: Record<string, unknown>[] }).values ?? []) as Record<string, unknown>[]).map(anyValue) } };
    return {};
  };
  return {
    resourceSpans: ((o['resource_spans'] as Record<string, unknown>[] | undefined) ?? []).map((rs) => ({
      resource: { attributes: kv((rs['resource'] as Record<string, unknown> | undefined)?.['attributes']) },
      scopeSpans: ((rs['scope_spans'] as Record<string, unknown>[] | undefined) ?? []).map((ss) => ({
        scope: { name: ((ss['scope'] as Record<string, unknown> | undefined)?.['name'] as string | undefined) ?? '' },
        spans: ((ss['spans'] as Record<string, unknown>[] | undefined) ?? []).map((s) => ({
          traceId: hex(s['trace_id']),
          spanId: hex(s['span_id']),
          parentSpanId: hex(s['parent_span_id']),
          name: s['name'] as string,
          kind: (s['kind'] as number | undefined) ?? 0,
          startTimeUnixNano: String(s['start_time_unix_nano'] ?? '0'),
          endTimeUnixNano: String(s['end_time_unix_nano'] ?? '0'),
          attributes: kv(s['attributes']),
          status: { code: ((s['status'] as Record<string, unknown> | undefined)?.['code'] as number | undefined) ?? 0, message: ((s['status'] as Record<string, unknown> | undefined)?.['message'] as string | undefined) ?? '' },
          links: ((s['links'] as Record<string, unknown>[] | undefined) ?? []).map((l) => ({ traceId: hex(l['trace_id']), spanId: hex(l['span_id']) })),
          events: ((s['events'] as Record<string, unknown>[] | undefined) ?? []).map((e) => ({ name: e['name'] as string, attributes: kv(e['attributes']) })),
        })),
      })),
    })),
  };
}

function flatten(document: OtlpDocument): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of document.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: BigInt(s.startTimeUnixNano),
          endTimeUnixNano: BigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId.toLowerCase(), spanId: l.spanId.toLowerCase() })),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          scope: ss.scope?.name ?? '',
          resource,
        });
      }
    }
  }
  return spans;
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

/** Parses an OTLP/JSON document (a file `tapes export --format otlp` wrote) into spans, as the receiver would. */
export function parseOtlpJson(text: string): ReceivedSpan[] {
  return flatten(JSON.parse(text) as OtlpDocument);
}
