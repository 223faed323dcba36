import type { ExportNode, ExportTurn } from '../export-input';
import { JSONL_SCHEMA_VERSION, type JsonlLine, type JsonlNode } from './jsonl-schema';

export interface JsonlOptions {
  /** Add each turn's raw exchange (headers, bodies base64, chunk timing). Needs turns read with bodies. */
  bodies?: boolean;
}

/**
 * Turns → JSONL lines (one JSON document per line, `\n`-terminated), in the order given. A node is
 * written once per file, on the first line whose turn reaches it: turn N+1 repeats turn N's history,
 * and a file that repeated it would grow with the square of the session's length. A reader rebuilds
 * any turn's conversation by following `parent_hash` from its `head_hash` through this and earlier
 * lines (docs/export.md). Keep one JsonlWriter per file.
 */
export class JsonlWriter {
  private readonly written = new Set<string>();

  constructor(private readonly options: JsonlOptions = {}) {}

  line(turn: ExportTurn): string {
    return `${JSON.stringify(this.record(turn))}\n`;
  }

  record(turn: ExportTurn): JsonlLine {
    const nodes: JsonlNode[] = [];
    for (const node of turn.messages) {
      if (this.written.has(node.hash)) continue;
      this.written.add(node.hash);
      nodes.push(jsonlNode(node));
    }
    const line: JsonlLine = {
      schema: JSONL_SCHEMA_VERSION,
      session_id: turn.session_id,
      thread_id: turn.thread_id,
      turn_id: turn.id,
      request_id: turn.request_id,
      harness: { id: turn.harness.id, version: turn.harness.version },
      agent: turn.agent,
      provider: turn.provider,
      api: turn.api,
      model: turn.model,
      capture_site: turn.capture_site,
      method: turn.method,
      path: turn.path,
      status: turn.status,
      started_at: turn.started_at,
      first_byte_at: turn.first_byte_at,
      ended_at: turn.ended_at,
      ttfb_ms: turn.ttfb_ms,
      duration_ms: turn.duration_ms,
      outcome: turn.outcome,
      diagnostics: turn.diagnostics.map((d) => ({ code: d.code, detail: d.detail })),
      usage: { ...turn.tokens },
      cost_usd: turn.cost_usd,
      head_hash: turn.head_hash,
      node_count: turn.nodes,
      nodes,
    };
    if (this.options.bodies) {
      line.raw = {
        request_headers: turn.request_headers,
        response_headers: turn.response_headers,
        request_body_base64: turn.raw?.request_body_base64 ?? null,
        response_body_base64: turn.raw?.response_body_base64 ?? null,
        response_content_type: turn.response_content_type,
        response_content_encoding: turn.response_content_encoding,
        response_chunks: turn.response_chunks ?? null,
      };
    }
    return line;
  }
}

function jsonlNode(node: ExportNode): JsonlNode {
  const out: JsonlNode = {
    hash: node.hash,
    parent_hash: node.parent_hash,
    role: node.bucket.role,
    type: node.bucket.type,
    model: node.bucket.model,
    provider: node.bucket.provider,
    content: node.bucket.content,
  };
  if (node.bucket.agent_name) out.agent_name = node.bucket.agent_name;
  if (node.stop_reason) out.stop_reason = node.stop_reason;
  if (node.usage) out.usage = node.usage;
  return out;
}
