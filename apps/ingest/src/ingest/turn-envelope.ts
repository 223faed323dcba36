import { z } from 'zod';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const headerMap = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const base64 = z.string().refine((v) => v.length % 4 === 0 && BASE64.test(v), 'must be standard base64 (padded)');

/**
 * One captured turn as posted to `POST /v1/ingest` (design §6), in either form:
 *  - parsed: `request` + `response` are the provider's JSON (tapes #192's shape; one-shot only);
 *  - raw: `response_body` / `response_body_base64` are the response bytes exactly as the provider
 *    sent them (an SSE or NDJSON stream, possibly content-encoded), reduced here by libs/capture.
 * The request may likewise be `request` (JSON) or `request_body(_base64)` (bytes).
 */
export const turnEnvelopeSchema = z
  .object({
    // Optional here so that a missing provider is a 422 (unknown provider), as in tapes #192.
    provider: z.string({ error: 'must be a string (anthropic, openai or ollama)' }).max(64, 'is too long').optional(),
    api: z.string().max(64).optional(),
    path: z.string().max(2048).optional(),
    agent_name: z.string().max(256, 'must be at most 256 characters').optional(),
    request_id: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional(),
    capture_site: z.enum(['proxy', 'sidecar', 'ingest']).optional(),
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
  })
  .superRefine((turn, ctx) => {
    const requestForms = ['request', 'request_body', 'request_body_base64'].filter((k) => turn[k as keyof typeof turn] !== undefined);
    const responseForms = ['response', 'response_body', 'response_body_base64'].filter((k) => turn[k as keyof typeof turn] !== undefined);
    if (requestForms.length !== 1) ctx.addIssue({ code: 'custom', path: ['request'], message: `exactly one of request, request_body, request_body_base64 is required (got ${requestForms.join(', ') || 'none'})` });
    if (responseForms.length !== 1) ctx.addIssue({ code: 'custom', path: ['response'], message: `exactly one of response, response_body, response_body_base64 is required (got ${responseForms.join(', ') || 'none'})` });
  });

export type TurnEnvelope = z.output<typeof turnEnvelopeSchema>;

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
