import { z } from 'zod';
import { CAPTURE_SITES } from './turn-record';
import { headerValue, type CapturedTurn } from './captured-turn';
import { agentNameProblem } from '../policy/agent-name';
import type { Interruption } from '../reducer';
import { MAX_CHUNK_MARKS } from './chunk-timeline';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const headerMap = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const base64 = z.string().refine((v) => v.length % 4 === 0 && BASE64.test(v), 'must be standard base64 (padded)');

/**
 * One captured turn as posted to `POST /v1/ingest` (design §6) — the one schema both sides are
 * typed from: ingest validates with it, and the sidecar builds its payload as its input type
 * ({@link toIngestEnvelope}), so a renamed field fails to compile rather than to deliver. Either form:
 *  - parsed: `request` + `response` are the provider's JSON (tapes #192's shape; one-shot only);
 *  - raw: `response_body` / `response_body_base64` are the response bytes exactly as the provider
 *    sent them (an SSE or NDJSON stream, possibly content-encoded), reduced here by libs/capture.
 * The request may likewise be `request` (JSON) or `request_body(_base64)` (bytes).
 */
export const ingestEnvelopeSchema = z
  .object({
    // Optional here so that a missing provider is a 422 (unknown provider), as in tapes #192.
    provider: z.string({ error: 'must be a string (anthropic, openai or ollama)' }).max(64, 'is too long').optional(),
    api: z.string().max(64).optional(),
    path: z.string().max(2048).optional(),
    // A client posting its own turn hears about a bad name (#13); capture sites sanitise theirs first.
    agent_name: z
      .string()
      .superRefine((name, ctx) => {
        const problem = agentNameProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Why a capture site sanitised the agent name it was sent (#13); stored as an `agent_name_sanitized` diagnostic. */
    agent_name_issue: z.string().max(1024, 'must be at most 1024 characters').optional(),
    request_id: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional(),
    capture_site: z.enum(CAPTURE_SITES).optional(),
    request: z.unknown().optional(),
    request_body: z.string().optional(),
    request_body_base64: base64.optional(),
    response: z.unknown().optional(),
    response_body: z.string().optional(),
    response_body_base64: base64.optional(),
    response_content_type: z.string().max(256).optional(),
    response_content_encoding: z.string().max(256).optional(),
    request_headers: headerMap.optional(),
    response_headers: headerMap.optional(),
    status: z.number().int().min(100).max(599).optional(),
    interrupted: z.object({ reason: z.string().max(64), detail: z.string().max(2048) }).optional(),
    started_at: isoTime.optional(),
    first_byte_at: isoTime.optional(),
    ended_at: isoTime.optional(),
    // #16: when each response chunk arrived, [byte offset into the response body, ms since started_at].
    response_chunks: z
      .array(z.tuple([z.number().int().min(0), z.number().min(0)]), { error: 'must be an array of [byte offset, milliseconds] pairs' })
      .max(MAX_CHUNK_MARKS, `must have at most ${MAX_CHUNK_MARKS} entries`)
      .refine((marks) => marks.every((mark, i) => i === 0 || mark[0] > (marks[i - 1] as [number, number])[0]), 'byte offsets must increase')
      .optional(),
  })
  .superRefine((turn, ctx) => {
    const requestForms = ['request', 'request_body', 'request_body_base64'].filter((k) => turn[k as keyof typeof turn] !== undefined);
    const responseForms = ['response', 'response_body', 'response_body_base64'].filter((k) => turn[k as keyof typeof turn] !== undefined);
    if (requestForms.length !== 1) ctx.addIssue({ code: 'custom', path: ['request'], message: `exactly one of request, request_body, request_body_base64 is required (got ${requestForms.join(', ') || 'none'})` });
    if (responseForms.length !== 1) ctx.addIssue({ code: 'custom', path: ['response'], message: `exactly one of response, response_body, response_body_base64 is required (got ${responseForms.join(', ') || 'none'})` });
  });

/** A validated envelope (what ingest works with). */
export type IngestEnvelope = z.output<typeof ingestEnvelopeSchema>;
/** What a client may post (what the sidecar builds). */
export type IngestEnvelopeInput = z.input<typeof ingestEnvelopeSchema>;

export const batchEnvelopeSchema = z.object({
  turns: z.array(z.unknown(), { error: 'turns must be an array of turn envelopes' }).min(1, 'turns must not be empty'),
});

/** Human-readable summary of a zod failure: `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

/**
 * Nesting depth of a parsed JSON value, iteratively (a hostile body must not overflow the stack
 * here, nor later in hashing). Stops counting past `limit`.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The raw-form envelope of a captured turn: both bodies base64 exactly as captured, so ingest
 * reduces the very bytes the provider sent (the sidecar's payload).
 */
export function toIngestEnvelope(turn: CapturedTurn): IngestEnvelopeInput {
  return {
    provider: turn.provider,
    api: turn.api,
    path: turn.path,
    ...(turn.agentName ? { agent_name: turn.agentName } : {}),
    ...(turn.agentNameIssue ? { agent_name_issue: turn.agentNameIssue } : {}),
    request_id: turn.requestId,
    capture_site: turn.site,
    request_body_base64: Buffer.from(turn.requestBody).toString('base64'),
    response_body_base64: Buffer.from(turn.responseBody).toString('base64'),
    ...(turn.responseContentType ? { response_content_type: turn.responseContentType } : {}),
    ...(turn.responseContentEncoding ? { response_content_encoding: turn.responseContentEncoding } : {}),
    request_headers: turn.requestHeaders,
    response_headers: turn.responseHeaders,
    status: turn.status,
    ...(turn.interruption ? { interrupted: turn.interruption } : {}),
    started_at: turn.startedAt.toISOString(),
    ...(turn.firstByteAt ? { first_byte_at: turn.firstByteAt.toISOString() } : {}),
    ended_at: turn.endedAt.toISOString(),
    ...(turn.responseChunks?.length ? { response_chunks: turn.responseChunks.map(([offset, at]) => [offset, at] as [number, number]) } : {}),
  };
}

/** The request bytes an envelope carries, in whichever form it gave them. */
export function envelopeRequestBytes(envelope: IngestEnvelope): Buffer {
  if (envelope.request_body_base64 !== undefined) return Buffer.from(envelope.request_body_base64, 'base64');
  if (envelope.request_body !== undefined) return Buffer.from(envelope.request_body, 'utf8');
  return Buffer.from(JSON.stringify(envelope.request ?? null), 'utf8');
}

/** The response bytes an envelope carries, in whichever form it gave them. */
export function envelopeResponseBytes(envelope: IngestEnvelope): Buffer {
  if (envelope.response_body_base64 !== undefined) return Buffer.from(envelope.response_body_base64, 'base64');
  if (envelope.response_body !== undefined) return Buffer.from(envelope.response_body, 'utf8');
  return Buffer.from(JSON.stringify(envelope.response ?? null), 'utf8');
}

/**
 * The captured turn an envelope describes. The response's content type and encoding come from the
 * explicit fields, else from `response_headers` (a client that only forwarded the headers still
 * gets its bytes decoded, #12); the parsed form is one-shot JSON by definition.
 */
export function envelopeToCapturedTurn(
  envelope: IngestEnvelope,
  context: { requestId: string; provider: string; api: string; site: CapturedTurn['site']; now: Date },
): Omit<CapturedTurn, 'requestHeaders' | 'responseHeaders'> & { requestHeaders: Record<string, string | string[]>; responseHeaders: Record<string, string | string[]> } {
  const parsedForm = envelope.response !== undefined;
  const responseHeaders = lowerCaseKeys(envelope.response_headers ?? {});
  const startedAt = envelope.started_at === undefined ? undefined : new Date(envelope.started_at);
  const endedAt = envelope.ended_at === undefined ? undefined : new Date(envelope.ended_at);
  return {
    requestId: context.requestId,
    site: context.site,
    provider: context.provider,
    api: context.api,
    ...(envelope.agent_name ? { agentName: envelope.agent_name } : {}),
    ...(envelope.agent_name_issue ? { agentNameIssue: envelope.agent_name_issue } : {}),
    method: 'POST',
    path: envelope.path ?? '',
    status: envelope.status ?? 200,
    requestHeaders: envelope.request_headers ?? {},
    responseHeaders,
    requestBody: envelopeRequestBytes(envelope),
    responseBody: envelopeResponseBytes(envelope),
    responseContentType: parsedForm ? 'application/json' : (envelope.response_content_type ?? headerValue(responseHeaders, 'content-type')),
    responseContentEncoding: parsedForm ? undefined : (envelope.response_content_encoding ?? headerValue(responseHeaders, 'content-encoding')),
    ...(envelope.interrupted ? { interruption: envelope.interrupted satisfies Interruption } : {}),
    startedAt: startedAt ?? endedAt ?? context.now,
    ...(envelope.first_byte_at ? { firstByteAt: new Date(envelope.first_byte_at) } : {}),
    endedAt: endedAt ?? context.now,
    ...(envelope.response_chunks ? { responseChunks: envelope.response_chunks } : {}),
  };
}

function lowerCaseKeys(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
