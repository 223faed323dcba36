import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * The spans as an OTLP/JSON `ExportTraceServiceRequest` (the OTLP specification's JSON encoding,
 * what a collector's `otlpjsonfile` receiver and `POST /v1/traces` with `application/json` read),
 * serialised by the official `@opentelemetry/otlp-transformer`.
 */
export function otlpJson(spans: ReadableSpan[]): string {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the OTLP serializer produced nothing');
  return Buffer.from(bytes).toString('utf8');
}

export interface OtlpSendOptions {
  /** The OTLP/HTTP traces endpoint, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  /** Extra request headers (an API key of the backend); OTEL_EXPORTER_OTLP_HEADERS is read too. */
  headers?: Record<string, string>;
  /** Per request, ms (default 10 s, the exporter's). */
  timeoutMillis?: number;
  /** Spans per request (default 1,000): a long session becomes several requests. */
  batchSize?: number;
}

export class OtlpExportError extends Error {
  override readonly name = 'OtlpExportError';
}

/**
 * Sends the spans over OTLP/HTTP with protobuf bodies (`@opentelemetry/exporter-trace-otlp-proto`:
 * the encoding every collector accepts), batch by batch, retrying what the exporter deems retryable.
 * Rejects with {@link OtlpExportError} naming the endpoint when a batch is refused or unreachable.
 */
export async function sendOtlp(spans: ReadableSpan[], options: OtlpSendOptions): Promise<{ spans: number; requests: number }> {
  const exporter = new OTLPTraceExporter({ url: options.url, ...(options.headers ? { headers: options.headers } : {}), ...(options.timeoutMillis ? { timeoutMillis: options.timeoutMillis } : {}) });
  const batchSize = Math.max(1, options.batchSize ?? 1_000);
  let requests = 0;
  try {
    for (let i = 0; i < spans.length; i += batchSize) {
      const batch = spans.slice(i, i + batchSize);
      await new Promise<void>((resolve, reject) => {
        exporter.export(batch, (result) => {
          if (result.code === ExportResultCode.SUCCESS) resolve();
          else reject(new OtlpExportError(`${options.url} did not take the spans: ${result.error?.message ?? 'export failed'}`, { cause: result.error }));
        });
      });
      requests += 1;
    }
  } finally {
    await exporter.shutdown();
  }
  return { spans: spans.length, requests };
}
