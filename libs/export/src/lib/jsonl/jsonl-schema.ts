import { z } from 'zod';

/**
 * One line of `tapes export --format jsonl` (docs/export.md): one captured turn. The schema is the
 * contract: every line the exporter writes parses with it (strictly: no field left undeclared), and
 * a test checks that for every turn of the fixture catalog.
 */

const iso = z.string().describe('ISO 8601 UTC');

export const JSONL_SCHEMA_VERSION = 'tapes.turn.v1';

export const jsonlNodeSchema = z
  .strictObject({
    hash: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the node (its content and parent)'),
    parent_hash: z.string().regex(/^[0-9a-f]{64}$/).nullable().describe('The previous message; null for the conversation’s first'),
    role: z.string().describe('user, assistant, system, tool, …'),
    type: z.string().describe('Always "message" today'),
    model: z.string(),
    provider: z.string(),
    agent_name: z.string().optional(),
    content: z.array(z.record(z.string(), z.unknown())).describe('Content blocks: text, tool_use, tool_result, thinking, image, …'),
    stop_reason: z.string().optional(),
    usage: z.record(z.string(), z.number()).optional().describe('The provider’s token usage, on the response node'),
  })
  .describe('One message of the conversation: a node of the Merkle DAG');

export const jsonlTokensSchema = z.strictObject({
  input: z.number().int().min(0),
  output: z.number().int().min(0),
  cache_write: z.number().int().min(0),
  cache_read: z.number().int().min(0),
  reasoning: z.number().int().min(0),
  total: z.number().int().min(0),
});

const headers = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

export const jsonlLineSchema = z
  .strictObject({
    schema: z.literal(JSONL_SCHEMA_VERSION),
    session_id: z.string().nullable(),
    thread_id: z.string().describe('"" for the main thread, else the subagent'),
    turn_id: z.string(),
    request_id: z.string(),
    harness: z.strictObject({ id: z.string().nullable(), version: z.string().nullable() }),
    agent: z.string().nullable(),
    provider: z.string(),
    api: z.string().nullable(),
    model: z.string().nullable().describe('The model that answered (the request’s when the response named none)'),
    capture_site: z.enum(['proxy', 'ingest', 'sidecar']),
    method: z.string().nullable(),
    path: z.string().nullable().describe('As stored: credentials in the query redacted'),
    status: z.number().int().nullable(),
    started_at: iso.nullable(),
    first_byte_at: iso.nullable(),
    ended_at: iso.nullable(),
    ttfb_ms: z.number().nullable(),
    duration_ms: z.number().nullable(),
    outcome: z.enum(['complete', 'partial', 'unreduced']),
    diagnostics: z.array(z.strictObject({ code: z.string(), detail: z.string() })),
    usage: jsonlTokensSchema.describe('The response’s token usage'),
    cost_usd: z.number().nullable(),
    head_hash: z.string().nullable().describe('The turn’s last node (its response); null for an unreduced turn'),
    node_count: z.number().int().min(0).describe('Nodes from the conversation’s root to the head'),
    nodes: z.array(jsonlNodeSchema).describe('The turn’s nodes not already on an earlier line of the file, root first'),
    raw: z
      .strictObject({
        request_headers: headers.nullable(),
        response_headers: headers.nullable(),
        request_body_base64: z.string().nullable(),
        response_body_base64: z.string().nullable().describe('As received: still content-encoded when response_content_encoding says so'),
        response_content_type: z.string().nullable(),
        response_content_encoding: z.string().nullable(),
        response_chunks: z.array(z.tuple([z.number().int().min(0), z.number().min(0)])).nullable().describe('[byte offset, ms since started_at] of each response chunk'),
      })
      .optional()
      .describe('With --bodies: the exchange exactly as captured (credentials redacted)'),
  })
  .describe('One captured turn');

export type JsonlLine = z.output<typeof jsonlLineSchema>;
export type JsonlNode = z.output<typeof jsonlNodeSchema>;
