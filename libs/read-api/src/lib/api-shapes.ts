import type { SearchHit, SessionRow, Stats, StatsRow, StoredNode, StoredTurn, TokenCounts, TurnSummary } from '@tapes/storage';
import type { z } from 'zod';
import type {
  searchHitSchema,
  sessionDetailSchema,
  sessionSchema,
  statsRowSchema,
  statsSchema,
  threadSchema,
  tokensSchema,
  turnDetailSchema,
  turnSummarySchema,
} from './api-schemas';

/**
 * The read API's JSON (#14): snake_case everywhere, one shape per thing, the same from the proxy
 * (`/_tapes/v1`) and ingest (`/v1`). The storage types are camelCase TypeScript; these functions
 * are the only place they become wire JSON. The OpenAPI document describes exactly these shapes.
 */

export type TokensJson = z.output<typeof tokensSchema>;

export function tokensJson(t: TokenCounts): TokensJson {
  return { input: t.input, output: t.output, cache_write: t.cacheWrite, cache_read: t.cacheRead, reasoning: t.reasoning, total: t.input + t.output + t.cacheWrite + t.cacheRead };
}

export type SessionJson = z.output<typeof sessionSchema>;

export function sessionJson(s: SessionRow): SessionJson {
  return {
    id: s.id,
    name: s.name,
    first_prompt: s.firstPrompt,
    harness: { id: s.harnessId, version: s.harnessVersion },
    agent: s.agentName,
    cwd: s.cwd,
    parent_session_id: s.parentId,
    metadata: s.metadata,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    duration_ms: Math.max(0, Date.parse(s.endedAt) - Date.parse(s.startedAt)),
    turn_count: s.turnCount,
    thread_count: s.threadCount,
    models: s.models,
    tokens: tokensJson(s.tokens),
    cost_usd: s.costUsd,
    outcomes: s.outcomes,
  };
}

export type TurnSummaryJson = z.output<typeof turnSummarySchema>;

function span(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

export function turnSummaryJson(t: TurnSummary): TurnSummaryJson {
  return {
    id: t.id,
    request_id: t.requestId,
    session_id: t.sessionId,
    thread_id: t.threadId,
    provider: t.provider,
    api: t.api ?? null,
    agent: t.agentName ?? null,
    model: t.model,
    outcome: t.outcome,
    diagnostics: t.diagnostics.map((d) => ({ code: d.code, detail: d.detail })),
    head_hash: t.headHash,
    nodes: t.nodeCount,
    new_nodes: t.newNodeCount,
    tokens: tokensJson(t.tokens),
    cost_usd: t.costUsd,
    started_at: t.startedAt,
    first_byte_at: t.firstByteAt,
    ended_at: t.endedAt,
    ttfb_ms: span(t.startedAt, t.firstByteAt),
    duration_ms: span(t.startedAt, t.endedAt),
  };
}

export type ThreadJson = z.output<typeof threadSchema>;

export type SessionDetailJson = z.output<typeof sessionDetailSchema>;

export function sessionDetailJson(s: SessionRow, turns: TurnSummary[]): SessionDetailJson {
  const threads = new Map<string, TurnSummaryJson[]>();
  for (const t of turns) threads.set(t.threadId, [...(threads.get(t.threadId) ?? []), turnSummaryJson(t)]);
  // The main thread first, then subagent threads in the order they started.
  const started = (id: string) => threads.get(id)?.[0]?.started_at ?? '';
  const ids = [...threads.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : started(a).localeCompare(started(b))));
  return { ...sessionJson(s), threads: ids.map((id) => ({ id, parent_id: id === '' ? null : '', turns: threads.get(id) ?? [] })) };
}

export type TurnDetailJson = z.output<typeof turnDetailSchema>;

export function turnDetailJson(t: StoredTurn, messages: StoredNode[], sizes: { request: number | null; response: number | null }, withBodies: boolean): TurnDetailJson {
  const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
  const summary = turnSummaryJson({
    id: t.id,
    requestId: t.requestId,
    sessionId: t.sessionId,
    threadId: t.threadId,
    provider: t.provider,
    ...(t.api !== undefined ? { api: t.api } : {}),
    ...(t.agentName !== undefined ? { agentName: t.agentName } : {}),
    model: t.model,
    outcome: t.outcome,
    diagnostics: t.diagnostics,
    headHash: t.headHash,
    nodeCount: t.nodeCount,
    newNodeCount: t.newNodeCount,
    tokens: t.tokens,
    costUsd: t.costUsd,
    startedAt: iso(t.startedAt),
    firstByteAt: iso(t.firstByteAt),
    endedAt: iso(t.endedAt),
  });
  return {
    ...summary,
    capture_site: t.captureSite,
    method: t.method ?? null,
    path: t.path ?? null,
    status: t.status ?? null,
    harness: { id: t.harnessId, version: t.harnessVersion },
    session_envelope: t.sessionEnvelope,
    request_headers: t.requestHeaders ?? null,
    response_headers: t.responseHeaders ?? null,
    response_content_type: t.responseContentType ?? null,
    response_content_encoding: t.responseContentEncoding ?? null,
    request_bytes: sizes.request,
    response_bytes: sizes.response,
    created_at: t.createdAt.toISOString(),
    // A ContentBlock is an interface, not an index-signature type: the same JSON, typed two ways.
    messages: messages as unknown as TurnDetailJson['messages'],
    response_chunks: t.responseChunks ? t.responseChunks.map(([offset, at]) => [offset, at] as [number, number]) : null,
    ...(withBodies
      ? {
          raw: {
            request_body_base64: t.requestBody ? Buffer.from(t.requestBody).toString('base64') : null,
            response_body_base64: t.responseBody ? Buffer.from(t.responseBody).toString('base64') : null,
          },
        }
      : {}),
  };
}

export type SearchHitJson = z.output<typeof searchHitSchema>;

export function searchHitJson(h: SearchHit): SearchHitJson {
  return { session_id: h.sessionId, turn_id: h.turnId, snippet: h.snippet, started_at: h.startedAt };
}

export type StatsRowJson = z.output<typeof statsRowSchema>;

export type StatsJson = z.output<typeof statsSchema>;

export function statsJson(s: Stats): StatsJson {
  const row = (r: StatsRow): StatsRowJson => ({ key: r.key, turns: r.turns, tokens: tokensJson(r.tokens), cost_usd: r.costUsd });
  return { by_day: s.byDay.map(row), by_model: s.byModel.map(row), by_agent: s.byAgent.map(row), by_harness: s.byHarness.map(row) };
}

/** Every list: its items and, only when more follow, the cursor of the next page. */
export interface PageJson<T> {
  items: T[];
  next_cursor?: string;
}

export function pageJson<A, B>(page: { items: A[]; nextCursor?: string }, map: (a: A) => B): PageJson<B> {
  return { items: page.items.map(map), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
}
