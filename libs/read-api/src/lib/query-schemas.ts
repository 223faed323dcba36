import { z } from 'zod';
import { agentNameProblem } from '@tapes/capture';

/**
 * The read API's query parameters, validated once (a bad one is a 400 naming it). The OpenAPI
 * document is generated from these same schemas.
 */
const limit = z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be 1–500').max(500, 'must be 1–500').optional();
const cursor = z.string().min(1).max(2048).optional();
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).optional();
/** An agent name as stored names it (#13): no control characters, at most 256 bytes of UTF-8. */
const agent = z
  .string()
  .superRefine((name, ctx) => {
    const problem = agentNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .optional();
const date = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-30T10:00:00Z' })
  .or(z.iso.date({ error: 'must be an ISO 8601 date (2026-11-30) or date-time' }))
  .transform((v) => new Date(v))
  .optional();

export const pageQuerySchema = z.object({
  agent: agent.describe('Only nodes of this agent (at most 256 bytes of UTF-8, no control characters)'),
  limit: limit.describe('Page size (default 50)'),
  cursor: cursor.describe('The next_cursor of the previous page'),
});

export const sessionsQuerySchema = z.object({
  agent: agent.describe('Only sessions of this agent name (at most 256 bytes of UTF-8, no control characters)'),
  harness: text(64).describe('Only sessions of this harness (claude, codex, gemini, …)'),
  cwd: text(4096).describe('Only sessions run in this directory or below it'),
  model: text(256).describe('Only sessions with a turn answered by this model'),
  since: date.describe('Only sessions active at or after this time'),
  until: date.describe('Only sessions active at or before this time'),
  q: text(512).describe('Only sessions with a turn whose text matches (full-text search)'),
  sort: z.enum(['start', 'end', 'cost', 'tokens'], { error: 'must be start, end, cost or tokens' }).optional().describe('Newest start first (default), newest end, most expensive, most tokens'),
  limit: limit.describe('Page size (default 50)'),
  cursor: cursor.describe('The next_cursor of the previous page'),
});

export const searchQuerySchema = z.object({
  q: z.string({ error: 'is required' }).min(1, 'must not be empty').max(512, 'must be at most 512 characters').describe('Words to find (all must occur)'),
  session: text(1024).describe('Only within this session'),
  limit: limit.describe('Page size (default 50)'),
  cursor: cursor.describe('The next_cursor of the previous page'),
});

export const statsQuerySchema = z.object({
  since: date.describe('From this time (inclusive)'),
  until: date.describe('Up to this time (inclusive)'),
});

export const turnQuerySchema = z.object({
  bodies: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional().transform((v) => v === 'true' || v === '1').describe('Include the raw bytes, base64'),
});

export const rawQuerySchema = z.object({
  part: z.enum(['request', 'response'], { error: 'must be request or response' }).default('response').describe('Which body'),
});

export const exportQuerySchema = z.object({
  format: z.enum(['jsonl', 'otlp', 'har'], { error: 'must be jsonl, otlp or har' }).describe('jsonl: one turn per line (docs/export.md); otlp: OTLP/JSON spans (GenAI semantic conventions); har: HAR 1.2'),
  bodies: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional().transform((v) => v === 'true' || v === '1').describe('JSONL: add each turn’s raw exchange (headers, bodies base64, chunk timing)'),
});
