/*
 * Typed structurally: libs/capture's and libs/export's own tests import this lib, so it may not
 * import them back (a cycle). A TurnRecord is assignable to RecordLike, and what comes back is
 * assignable to libs/export's ExportTurn (the tests that use it are type-checked against both).
 */
type Headers = Record<string, string | string[]>;

interface NodeLike {
  hash: string;
  parent_hash: string | null;
  bucket: { type: string; role: string; content: object[]; model: string; provider: string; agent_name?: string | undefined };
  stop_reason?: string | undefined;
  usage?: object | undefined;
  project?: string | undefined;
}

interface RecordLike {
  requestId: string;
  provider: string;
  api?: string | undefined;
  agentName?: string | undefined;
  captureSite: 'proxy' | 'ingest' | 'sidecar';
  method?: string | undefined;
  path?: string | undefined;
  status?: number | undefined;
  requestHeaders?: Headers | undefined;
  requestBody?: Uint8Array | undefined;
  responseHeaders?: Headers | undefined;
  responseBody?: Uint8Array | undefined;
  responseContentType?: string | undefined;
  responseContentEncoding?: string | undefined;
  nodes: NodeLike[];
  outcome: 'complete' | 'partial' | 'unreduced';
  diagnostics?: { code: string; detail: string }[] | undefined;
  startedAt?: Date | undefined;
  firstByteAt?: Date | undefined;
  endedAt?: Date | undefined;
  responseChunks?: readonly (readonly [number, number])[] | undefined;
  session?: { id?: string | undefined; threadId: string; harnessId: string; harnessVersion?: string | undefined } | undefined;
  model?: string | undefined;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number; reasoning_tokens?: number } | undefined;
  cost?: { usd: number } | undefined;
}

export interface ExportNodeLike {
  hash: string;
  parent_hash: string | null;
  bucket: { type: string; role: string; content: Record<string, unknown>[]; model: string; provider: string; agent_name?: string | undefined };
  stop_reason?: string | undefined;
  usage?: Record<string, number> | undefined;
  project?: string | undefined;
  created_at: string;
  turn_id?: string | undefined;
}

/**
 * A stored turn as the read API's turn detail shows it (what libs/export and libs/replay read),
 * built straight from a TurnRecord for tests that need no store: bodies base64, chunk timing,
 * tokens from the response usage. `history` shares nodes between turns of one conversation (the
 * first turn to produce a node names it), as a store would.
 */
export function exportTurnFromRecord(r: RecordLike, id: string, history: Map<string, ExportNodeLike> = new Map()) {
  const messages = r.nodes.map((n) => {
    const stored: ExportNodeLike = history.get(n.hash) ?? {
      ...n,
      usage: n.usage as Record<string, number> | undefined,
      bucket: { ...n.bucket, content: n.bucket.content as Record<string, unknown>[] },
      created_at: (r.startedAt ?? new Date(0)).toISOString(),
      turn_id: id,
    };
    history.set(n.hash, stored);
    return stored;
  });
  const u = r.usage ?? {};
  const tokens = {
    input: u.prompt_tokens ?? 0,
    output: u.completion_tokens ?? 0,
    cache_write: u.cache_creation_input_tokens ?? 0,
    cache_read: u.cache_read_input_tokens ?? 0,
    reasoning: u.reasoning_tokens ?? 0,
    total: 0,
  };
  tokens.total = tokens.input + tokens.output + tokens.cache_write + tokens.cache_read;
  const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
  return {
    id,
    request_id: r.requestId,
    session_id: r.session?.id ?? null,
    thread_id: r.session?.threadId ?? '',
    provider: r.provider,
    api: r.api ?? null,
    agent: r.agentName ?? null,
    model: r.model ?? null,
    outcome: r.outcome,
    diagnostics: (r.diagnostics ?? []).map((d) => ({ code: d.code, detail: d.detail })),
    head_hash: r.nodes.at(-1)?.hash ?? null,
    nodes: r.nodes.length,
    new_nodes: r.nodes.length,
    tokens,
    cost_usd: r.cost?.usd ?? null,
    started_at: iso(r.startedAt),
    first_byte_at: iso(r.firstByteAt),
    ended_at: iso(r.endedAt),
    ttfb_ms: r.firstByteAt && r.startedAt ? r.firstByteAt.getTime() - r.startedAt.getTime() : null,
    duration_ms: r.endedAt && r.startedAt ? r.endedAt.getTime() - r.startedAt.getTime() : null,
    capture_site: r.captureSite,
    method: r.method ?? null,
    path: r.path ?? null,
    status: r.status ?? null,
    harness: { id: r.session?.harnessId ?? null, version: r.session?.harnessVersion ?? null },
    request_headers: r.requestHeaders ?? null,
    response_headers: r.responseHeaders ?? null,
    response_content_type: r.responseContentType ?? null,
    response_content_encoding: r.responseContentEncoding ?? null,
    messages,
    raw: {
      request_body_base64: r.requestBody ? Buffer.from(r.requestBody).toString('base64') : null,
      response_body_base64: r.responseBody ? Buffer.from(r.responseBody).toString('base64') : null,
    },
    response_chunks: r.responseChunks ? r.responseChunks.map(([o, t]) => [o, t] as [number, number]) : null,
  };
}
