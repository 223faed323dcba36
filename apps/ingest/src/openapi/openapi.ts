import { z } from 'zod';
import { TAPES_VERSION } from '@tapes/nest-kit';
import { batchEnvelopeSchema, ingestEnvelopeSchema } from '@tapes/capture';

const error = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const accepted = {
  type: 'object',
  properties: {
    status: { const: 'accepted' },
    duplicate: { type: 'boolean', description: 'true when this request_id was already stored (nothing changed)' },
    request_id: { type: 'string' },
    turn_id: { type: 'string' },
    head_hash: { type: ['string', 'null'], description: 'hash of the response node (the conversation head)' },
    nodes: { type: 'integer' },
    new_nodes: { type: 'integer' },
    outcome: { enum: ['complete', 'partial', 'unreduced'] },
    diagnostics: { type: 'array', items: { type: 'string' } },
  },
};
const page = { in: 'query', schema: { type: 'string' } };

/**
 * The ingest API as OpenAPI 3.1, served at `GET /openapi.json`. The request schemas are generated
 * from the same zod schemas that validate requests, so the document cannot drift from the code.
 */
export function ingestOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'tapes ingest', version: TAPES_VERSION, description: 'Captured LLM turns in. Reading them back (sessions, turns, search, stats, the DAG) is the read API, documented at /v1/openapi.json. Design §6.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'INGEST_TOKEN, when set: required to post turns and to read them (every route but /ping, /health* and /metrics). Reads also answer only a loopback Host or one in INGEST_ALLOWED_HOSTS (403 otherwise); docs/security.md.' } },
      schemas: {
        TurnEnvelope: z.toJSONSchema(ingestEnvelopeSchema, { io: 'input', unrepresentable: 'any' }),
        BatchEnvelope: z.toJSONSchema(batchEnvelopeSchema, { io: 'input', unrepresentable: 'any' }),
        Accepted: accepted,
        Error: error,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/ingest': {
        post: {
          summary: 'Store one turn (parsed provider JSON, or the raw response bytes)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/TurnEnvelope' } } } },
          responses: {
            '202': { description: 'Committed (or already stored: duplicate)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
            '400': errorResponse('Malformed envelope'),
            '401': errorResponse('Missing or wrong bearer token'),
            '409': errorResponse('The request_id is already stored with different content (code conflict); the same content again is a 202 duplicate'),
            '413': errorResponse('Body over the size limit'),
            '415': errorResponse('Body is not JSON'),
            '422': errorResponse('Unknown provider, or a parsed request/response that is not the API’s'),
            '503': errorResponse('Storage unavailable; retry after Retry-After seconds'),
          },
        },
      },
      '/v1/ingest/batch': {
        post: {
          summary: 'Store many turns; per-item results',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchEnvelope' } } } },
          responses: {
            '202': { description: 'All accepted' },
            '207': { description: 'Some accepted, some rejected (see results)' },
            '400': errorResponse('Malformed batch'),
            '422': { description: 'None accepted (see results)' },
            '503': { description: 'Storage unavailable; turns stored before the outage are listed; retrying the batch is idempotent' },
          },
        },
      },
      '/v1/ingest/nodes': { get: { summary: 'Nodes (tapes Go’s shape: count, nodes, next_cursor); the read API’s /v1/nodes is the same list', parameters: [{ name: 'agent', ...page }, { name: 'limit', ...page }, { name: 'cursor', ...page }], responses: { '200': { description: 'A page of nodes' }, '400': errorResponse('Bad cursor or limit') } } },
      '/ping': { get: { security: [], summary: 'Liveness ping', responses: { '200': { description: '{"status":"ok"}' } } } },
      '/health': { get: { security: [], summary: 'Readiness (database ping); /health/live for liveness', responses: { '200': { description: 'Up' }, '503': { description: 'Down' } } } },
      '/metrics': { get: { security: [], summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition' } } } },
    },
  };
}
