import { createHash } from 'node:crypto';
import { canonicalJson } from '@tapes/merkle';
import { z } from 'zod';
import {
  ancestrySchema,
  deletedSchema,
  errorSchema,
  nodeSchema,
  pageSchema,
  searchHitSchema,
  sessionDagSchema,
  sessionDetailSchema,
  sessionSchema,
  statsSchema,
  turnDecodedSchema,
  turnDetailSchema,
} from './api-schemas';
import { exportQuerySchema, pageQuerySchema, rawQuerySchema, searchQuerySchema, sessionsQuerySchema, statsQuerySchema, turnQuerySchema } from './query-schemas';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const error = (description: string) => json('Error', description);

/** Query parameters of a zod object schema, for OpenAPI. */
function parameters(query: z.ZodObject): unknown[] {
  const document = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(document.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (document.required ?? []).includes(name),
    ...(s.description ? { description: s.description } : {}),
    schema: { ...s, description: undefined },
  }));
}

const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const common = { '400': error('A bad parameter (named in the message)'), '401': error('Missing or wrong token'), '403': error('A Host this server does not answer for'), '503': error('Storage unavailable; retry after Retry-After seconds') };

/**
 * The read API as one OpenAPI 3.1 document (#14), generated from the zod schemas that validate
 * the queries and type the answers. Paths are relative to where an app mounts the API (servers
 * are added when it is served), so the proxy and ingest serve the same document — sealed by
 * {@link readApiDigest}.
 */
export function readApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tapes read API',
      version,
      description:
        'Sessions, turns, search, stats and the Merkle DAG of captured LLM turns. Served by the proxy under /_tapes/v1 and by ingest under /v1. ' +
        'Lists are cursor-paginated: pass next_cursor back as cursor. Errors are {"error":{"code","message"}}.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The read token (proxy: TAPES_READ_TOKEN, also accepted as the tapes_read cookie; ingest: INGEST_TOKEN)' } },
      schemas: {
        Session: schema(sessionSchema),
        SessionDetail: schema(sessionDetailSchema),
        SessionPage: schema(pageSchema(sessionSchema)),
        SessionDag: schema(sessionDagSchema),
        TurnDetail: schema(turnDetailSchema),
        TurnDecoded: schema(turnDecodedSchema),
        SearchPage: schema(pageSchema(searchHitSchema)),
        Stats: schema(statsSchema),
        Node: schema(nodeSchema),
        NodePage: schema(pageSchema(nodeSchema)),
        Ancestry: schema(ancestrySchema),
        Deleted: schema(deletedSchema),
        Error: schema(errorSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/sessions': { get: { summary: 'Sessions, filtered and sorted', parameters: parameters(sessionsQuerySchema), responses: { '200': json('SessionPage', 'A page of sessions'), ...common } } },
      '/sessions/{id}': {
        get: { summary: 'A session with its threads (main agent, subagents) and each thread’s turns in order', parameters: [idParam('id', 'Session id')], responses: { '200': json('SessionDetail', 'The session'), '404': error('Unknown session'), ...common } },
        delete: { summary: 'Delete a session: its turns and every node no remaining turn references (shared history stays)', parameters: [idParam('id', 'Session id')], responses: { '200': json('Deleted', 'What was deleted'), '404': error('Unknown session'), ...common } },
      },
      '/sessions/{id}/export': {
        get: {
          summary: 'The session as a download: JSONL (one turn per line, schema tapes.turn.v1 in docs/export.md), OTLP/JSON spans after the OpenTelemetry GenAI semantic conventions, or HAR 1.2',
          parameters: [idParam('id', 'Session id'), ...parameters(exportQuerySchema)],
          responses: {
            '200': { description: 'The document (Content-Disposition names a file)', content: { 'application/x-ndjson': {}, 'application/json': {} } },
            '404': error('Unknown session'),
            ...common,
          },
        },
      },
      '/sessions/{id}/dag': {
        get: { summary: "The session's part of the Merkle DAG: its nodes with parents, where it forked, each thread's head", parameters: [idParam('id', 'Session id')], responses: { '200': json('SessionDag', 'The DAG'), '404': error('Unknown session'), ...common } },
      },
      '/turns/{id}': { get: { summary: 'A turn: its messages, outcome, diagnostics, timings, headers; raw bytes with bodies=true', parameters: [idParam('id', 'Turn id or request id'), ...parameters(turnQuerySchema)], responses: { '200': json('TurnDetail', 'The turn'), '404': error('Unknown turn'), ...common } } },
      '/turns/{id}/decoded': {
        get: {
          summary: 'A turn decoded on the server: the request as its API reads it (system prompt, settings), the response with its content encoding undone and split into frames (a stream as its event list)',
          parameters: [idParam('id', 'Turn id or request id')],
          responses: { '200': json('TurnDecoded', 'The decoded turn'), '404': error('Unknown turn'), ...common },
        },
      },
      '/turns/{id}/raw': {
        get: {
          summary: 'A body exactly as captured (the response still content-encoded), as a download',
          parameters: [idParam('id', 'Turn id or request id'), ...parameters(rawQuerySchema)],
          responses: { '200': { description: 'The bytes; X-Tapes-Content-Type and X-Tapes-Content-Encoding say what they are', content: { 'application/octet-stream': {} } }, '404': error('Unknown turn'), ...common },
        },
      },
      '/search': { get: { summary: 'Full-text search over message text and tool input and output', parameters: parameters(searchQuerySchema), responses: { '200': json('SearchPage', 'Hits, best first'), ...common } } },
      '/stats': { get: { summary: 'Turns, tokens and cost by day, model, agent and harness', parameters: parameters(statsQuerySchema), responses: { '200': json('Stats', 'The totals'), ...common } } },
      '/heads': { get: { summary: 'Conversation heads (leaves), newest first', parameters: parameters(pageQuerySchema), responses: { '200': json('NodePage', 'A page of heads'), ...common } } },
      '/nodes': { get: { summary: 'Every node, oldest first', parameters: parameters(pageQuerySchema), responses: { '200': json('NodePage', 'A page of nodes'), ...common } } },
      '/nodes/{hash}': { get: { summary: 'One node', parameters: [idParam('hash', '64 hex characters')], responses: { '200': json('Node', 'The node'), '404': error('Unknown hash'), ...common } } },
      '/nodes/{hash}/ancestry': { get: { summary: 'The conversation up to a node, root first', parameters: [idParam('hash', '64 hex characters')], responses: { '200': json('Ancestry', 'The chain'), '404': error('Unknown hash'), ...common } } },
      '/events': { get: { summary: 'Server-sent events: `turn` when a turn is stored, `ping` every 15 s', responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } }, ...common } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
  };
}

/**
 * The seal of the read API: SHA-256 of the document's canonical JSON, the version left out.
 * `read-api.openapi.sha256` holds the accepted value; a test compares, so an accidental change to
 * the API fails CI and a deliberate one updates the file in the same commit.
 */
export function readApiDigest(): string {
  return createHash('sha256').update(canonicalJson(readApiDocument('sealed'))).digest('hex');
}
