import { z } from 'zod';

/**
 * The read API's response shapes as zod schemas (#14): the TypeScript types of `api-shapes.ts`
 * are inferred from these, and the OpenAPI document is generated from them — so the code, its
 * types and the published contract cannot drift apart.
 */

const iso = z.string().describe('ISO 8601 UTC, microseconds where stored: 2026-11-30T10:00:00.000000Z');

export const tokensSchema = z
  .object({
    input: z.number().int(),
    output: z.number().int(),
    cache_write: z.number().int(),
    cache_read: z.number().int(),
    reasoning: z.number().int().describe('Thinking / reasoning tokens (included in output by the providers that report both)'),
    total: z.number().int().describe('input + output + cache writes and reads'),
  })
  .describe('Token counts as the provider reported them');

export const sessionSchema = z
  .object({
    id: z.string().describe('The harness session id, or root:<first node hash> for a harness that names none'),
    name: z.string().nullable(),
    first_prompt: z.string().nullable().describe("The main thread's first user message, cut to 300 characters"),
    harness: z.object({ id: z.string().nullable(), version: z.string().nullable() }),
    agent: z.string().nullable(),
    cwd: z.string().nullable(),
    parent_session_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    started_at: iso,
    ended_at: iso,
    duration_ms: z.number().int(),
    turn_count: z.number().int(),
    thread_count: z.number().int(),
    models: z.array(z.string()).describe('Models that answered, most used first'),
    tokens: tokensSchema,
    cost_usd: z.number().nullable().describe('Estimated from the versioned price table; null when no turn was of a priced model'),
    outcomes: z.object({ complete: z.number().int(), partial: z.number().int(), unreduced: z.number().int() }),
  })
  .meta({ example: { id: '11111111-1111-4111-8111-111111111111', name: null, first_prompt: 'fix the failing test', harness: { id: 'claude', version: '2.1.3' }, agent: null, cwd: '/home/me/repo', parent_session_id: null, metadata: null, started_at: '2026-11-30T10:00:00.000000Z', ended_at: '2026-11-30T10:04:12.500000Z', duration_ms: 252500, turn_count: 14, thread_count: 2, models: ['claude-sonnet-4-5'], tokens: { input: 152000, output: 4100, cache_write: 9000, cache_read: 120000, reasoning: 0, total: 285100 }, cost_usd: 0.41, outcomes: { complete: 14, partial: 0, unreduced: 0 } } });

export const diagnosticSchema = z.object({ code: z.string(), detail: z.string() });

export const turnSummarySchema = z.object({
  id: z.string(),
  request_id: z.string(),
  session_id: z.string().nullable(),
  thread_id: z.string().describe('"" for the main thread'),
  provider: z.string(),
  api: z.string().nullable(),
  agent: z.string().nullable(),
  model: z.string().nullable(),
  outcome: z.enum(['complete', 'partial', 'unreduced']),
  diagnostics: z.array(diagnosticSchema),
  head_hash: z.string().nullable(),
  nodes: z.number().int(),
  new_nodes: z.number().int(),
  tokens: tokensSchema,
  cost_usd: z.number().nullable(),
  started_at: iso.nullable(),
  first_byte_at: iso.nullable(),
  ended_at: iso.nullable(),
  ttfb_ms: z.number().nullable(),
  duration_ms: z.number().nullable(),
});

export const threadSchema = z.object({
  id: z.string().describe('"" for the main thread'),
  parent_id: z.string().nullable().describe('The thread that spawned it ("" = the main thread); null for the main thread'),
  turns: z.array(turnSummarySchema),
});

export const sessionDetailSchema = sessionSchema.extend({ threads: z.array(threadSchema).describe('The main thread first, then subagent threads in the order they started') });

export const nodeSchema = z
  .object({
    hash: z.string(),
    parent_hash: z.string().nullable(),
    bucket: z.object({
      type: z.string(),
      role: z.string(),
      content: z.array(z.record(z.string(), z.unknown())).describe('Content blocks: text, tool_use, tool_result, thinking, image, …'),
      model: z.string(),
      provider: z.string(),
      agent_name: z.string().optional(),
    }),
    stop_reason: z.string().optional(),
    usage: z.record(z.string(), z.number()).optional(),
    project: z.string().optional(),
    created_at: iso,
    turn_id: z.string().optional().describe('The turn that first stored this node'),
  })
  .describe('One node of the Merkle DAG: a message, hashed with its parent');

const headers = z.record(z.string(), z.union([z.string(), z.array(z.string())])).nullable();

export const turnDetailSchema = turnSummarySchema.extend({
  capture_site: z.enum(['proxy', 'ingest', 'sidecar']),
  method: z.string().nullable(),
  path: z.string().nullable(),
  status: z.number().int().nullable(),
  harness: z.object({ id: z.string().nullable(), version: z.string().nullable() }),
  session_envelope: z.record(z.string(), z.unknown()).nullable(),
  request_headers: headers.describe('As stored: credentials redacted'),
  response_headers: headers,
  response_content_type: z.string().nullable(),
  response_content_encoding: z.string().nullable(),
  request_bytes: z.number().int().nullable(),
  response_bytes: z.number().int().nullable(),
  created_at: iso,
  messages: z.array(nodeSchema).describe("The conversation up to the turn's head, root first"),
  raw: z.object({ request_body_base64: z.string().nullable(), response_body_base64: z.string().nullable() }).optional().describe('With ?bodies=true'),
  response_chunks: z
    .array(z.tuple([z.number().int(), z.number()]))
    .nullable()
    .describe('When each response chunk arrived: [byte offset into the body as received, ms since started_at]; null for turns captured before it was recorded (what tapes replay paces by)'),
});

export const searchHitSchema = z.object({
  session_id: z.string().nullable(),
  turn_id: z.string(),
  snippet: z.string().describe('The matched text with its surroundings, matches in [brackets]'),
  started_at: iso.nullable(),
});

export const statsRowSchema = z.object({ key: z.string(), turns: z.number().int(), tokens: tokensSchema, cost_usd: z.number().nullable() });

export const statsSchema = z.object({
  by_day: z.array(statsRowSchema).describe('UTC days, oldest first'),
  by_model: z.array(statsRowSchema),
  by_agent: z.array(statsRowSchema),
  by_harness: z.array(statsRowSchema),
});

export const ancestrySchema = z.object({
  head: z.string(),
  depth: z.number().int(),
  complete: z.boolean(),
  missing_parent: z.string().optional(),
  nodes: z.array(nodeSchema).describe('Root first'),
});

export const deletedSchema = z.object({ deleted: z.object({ session_id: z.string(), turns: z.number().int(), nodes: z.number().int().describe('Nodes no remaining turn referenced') }) });

export const dagNodeSchema = z.object({
  hash: z.string(),
  parent_hash: z.string().nullable(),
  role: z.string(),
  block_types: z.array(z.string()).describe('The types of its content blocks, in order (text, tool_use, …)'),
  preview: z.string().describe('The first words of its text (or the tool it calls), at most 160 characters'),
  turn_id: z.string().nullable().describe('The turn of this session that first brought it into the DAG (null: an earlier session, or a deleted turn)'),
  thread_id: z.string().nullable().describe('That turn’s thread ("" = the main thread)'),
  created_at: iso,
});

export const sessionDagSchema = z
  .object({
    session_id: z.string(),
    nodes: z.array(dagNodeSchema).describe('Every node the session’s turns reach, parents before children'),
    turns: z
      .array(z.object({ id: z.string(), thread_id: z.string(), head_hash: z.string().nullable(), outcome: z.enum(['complete', 'partial', 'unreduced']), started_at: iso.nullable() }))
      .describe('The session’s turns, oldest first, with the node each one ended at'),
    heads: z.array(z.object({ thread_id: z.string(), hash: z.string() })).describe('Each thread’s head: where its latest turn with nodes ended (the main thread first)'),
    forks: z.array(z.string()).describe('Nodes with more than one child: where the conversation forked (a retried turn, an edited replay, --continue)'),
    complete: z.boolean().describe('False when a chain ends at a parent that is not stored, or the node cap was reached'),
  })
  .describe("A session's part of the Merkle DAG, for drawing its branches");

export const frameSchema = z.object({ event: z.string().nullable().describe('The SSE event name; null for NDJSON lines and one-shot bodies'), data: z.unknown().describe('The frame parsed as JSON when it is JSON, else its text') });

export const turnDecodedSchema = z
  .object({
    turn_id: z.string(),
    request: z.object({
      model: z.string().nullable(),
      system: z.string().nullable().describe('The system prompt (not a DAG node: it is read from the stored request)'),
      settings: z.record(z.string(), z.unknown()).describe('Request settings other than the messages: max_tokens, temperature, the provider’s own (tool names, thinking, …)'),
      messages: z.number().int().describe('How many messages the request carried'),
      error: z.string().optional().describe('Why the stored request could not be read, when it could not'),
    }),
    response: z.object({
      content_type: z.string().nullable(),
      content_encoding: z.string().nullable(),
      stored_bytes: z.number().int().describe('The body as captured (still content-encoded)'),
      decoded_bytes: z.number().int(),
      decode: z.object({ outcome: z.enum(['decoded', 'salvaged', 'error']), message: z.string().optional() }).describe('Undoing the content encoding'),
      format: z.enum(['sse', 'ndjson', 'json']).nullable().describe('How the body is framed; null when it is empty'),
      frames: z.array(frameSchema).describe('The events of a stream in order, or the one-shot document as one frame'),
      total_frames: z.number().int().describe('All frames in the body (more than frames when cut)'),
      diagnostics: z.array(diagnosticSchema).describe('What the framing reported (unparseable lines, a body that is not JSON)'),
    }),
  })
  .describe('A turn as decoded on the server: the request as its API reads it, the response body decoded and split into frames');

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().optional().describe('Present only when more items follow') });
}

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
