import { AGENT_HEADER, decodeBody, endpointPath, resolveAgentRoute, turnPolicy, type Reducer } from '@tapes/capture';
import type { ExportHeaders, ExportTurn } from '@tapes/export';
import { jsonDifferences, type JsonDifference } from './json-diff';
import { requestShape, type RequestShape } from './request-shape';

/** One piece of a captured response: bytes [start, end) of the body, due `atMs` after the request arrived. */
export interface ChunkPlan {
  start: number;
  end: number;
  atMs: number;
}

/** A captured turn ready to be served again. */
export interface CapturedReply {
  turn: ExportTurn;
  shape: RequestShape;
  status: number;
  headers: ExportHeaders;
  /** The response bytes exactly as captured (still content-encoded when they were). */
  body: Buffer;
  chunks: ChunkPlan[];
  /** False for a turn captured before chunk timing (#16): its body is one chunk, sent at its first byte. */
  timed: boolean;
}

export interface IncomingRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface ClosestTurn {
  turn_id: string;
  request_id: string;
  started_at: string | null;
  endpoint: string;
  /** How many places differ (the route counts as one). */
  difference_count: number;
  differences: JsonDifference[];
}

export type ReplayMatch =
  | { kind: 'turn'; reply: CapturedReply; how: 'exact' | 'conversation'; repeat: boolean }
  | { kind: 'miss'; endpoint: string; closest: ClosestTurn | undefined }
  | { kind: 'not_turn'; endpoint: string; detail: string };

/**
 * The captured turns of a session, indexed for serving again (docs/replay.md):
 * 1. exact: same API endpoint, same body once the volatile fields are removed (request-shape.ts);
 * 2. conversation: same endpoint, model and conversation (messages / input / contents) — the agent's
 *    system prompt may carry today's date, the working directory or the git status;
 * 3. otherwise a miss, reported with the closest captured turn and where it differs.
 * Turns with the same key are served in capture order (a retried request gets the retry's answer);
 * once all were served the last one is served again.
 */
export class ReplayIndex {
  private readonly exact = new Map<string, CapturedReply[]>();
  private readonly loose = new Map<string, CapturedReply[]>();
  private readonly served = new Set<CapturedReply>();
  readonly replies: CapturedReply[] = [];
  /** Turns that cannot be served (no raw bytes stored), with why. */
  readonly skipped: { turnId: string; reason: string }[] = [];

  private constructor(private readonly reducers: readonly Reducer[]) {}

  /** Indexes `turns` (read with their bodies). */
  static async build(turns: readonly ExportTurn[], reducers: readonly Reducer[]): Promise<ReplayIndex> {
    const index = new ReplayIndex(reducers);
    for (const turn of turns) await index.add(turn);
    return index;
  }

  private async add(turn: ExportTurn): Promise<void> {
    if (!turn.raw?.request_body_base64 || turn.raw.response_body_base64 === null || turn.raw.response_body_base64 === undefined) {
      this.skipped.push({ turnId: turn.id, reason: 'its bytes were not read (bodies) or not stored' });
      return;
    }
    const requestBytes = await decoded(Buffer.from(turn.raw.request_body_base64, 'base64'), header(turn.request_headers, 'content-encoding'));
    const endpoint = endpointPath(turn.path ?? '');
    const shape = requestShape({ api: turn.api ?? undefined, endpoint: routeKey(turn.api ?? undefined, endpoint), body: requestBytes });
    const body = Buffer.from(turn.raw.response_body_base64, 'base64');
    const reply: CapturedReply = { turn, shape, status: turn.status ?? 200, headers: turn.response_headers ?? {}, body, ...chunkPlan(turn, body.byteLength) };
    this.replies.push(reply);
    push(this.exact, shape.strictKey, reply);
    if (shape.looseKey) push(this.loose, shape.looseKey, reply);
  }

  async match(request: IncomingRequest): Promise<ReplayMatch> {
    const route = resolveAgentRoute(request.path, request.headers[AGENT_HEADER]);
    const endpoint = endpointPath(route.path);
    const verdict = turnPolicy.request({ method: request.method, path: route.path, provider: route.provider, reducers: this.reducers });
    if (!verdict.turn) return { kind: 'not_turn', endpoint, detail: verdict.detail };
    const api = verdict.reducer.api;
    const body = await decoded(Buffer.from(request.body), first(request.headers['content-encoding']));
    const shape = requestShape({ api, endpoint: routeKey(api, endpoint), body });
    const exact = this.take(this.exact.get(shape.strictKey));
    if (exact) return { kind: 'turn', reply: exact.reply, how: 'exact', repeat: exact.repeat };
    const loose = shape.looseKey ? this.take(this.loose.get(shape.looseKey)) : undefined;
    if (loose) return { kind: 'turn', reply: loose.reply, how: 'conversation', repeat: loose.repeat };
    return { kind: 'miss', endpoint, closest: this.closest(shape) };
  }

  private take(candidates: CapturedReply[] | undefined): { reply: CapturedReply; repeat: boolean } | undefined {
    if (!candidates?.length) return undefined;
    const fresh = candidates.find((c) => !this.served.has(c));
    const reply = fresh ?? (candidates[candidates.length - 1] as CapturedReply);
    this.served.add(reply);
    return { reply, repeat: fresh === undefined };
  }

  /** The captured turn with the fewest differences from `shape` (another route counts as one more). */
  private closest(shape: RequestShape): ClosestTurn | undefined {
    let best: { reply: CapturedReply; count: number; differences: JsonDifference[] } | undefined;
    for (const reply of this.replies) {
      const { count, differences } = jsonDifferences(reply.shape.body, shape.body);
      const routeDiffers = reply.shape.endpoint !== shape.endpoint;
      const total = count + (routeDiffers ? 1 : 0);
      if (best && total >= best.count) continue;
      best = { reply, count: total, differences: routeDiffers ? [{ path: '(endpoint)', captured: reply.shape.endpoint, received: shape.endpoint }, ...differences] : differences };
    }
    if (!best) return undefined;
    const t = best.reply.turn;
    return { turn_id: t.id, request_id: t.request_id, started_at: t.started_at, endpoint: best.reply.shape.endpoint, difference_count: best.count, differences: best.differences.slice(0, 10) };
  }
}

/**
 * What identifies the endpoint in a key: the API (its path may sit under a base-URL prefix), plus
 * the path for Gemini, whose model and streaming mode are in the path (`…/models/x:streamGenerateContent`).
 */
function routeKey(api: string | undefined, endpoint: string): string {
  if (!api) return endpoint;
  if (api !== 'gemini.generate_content') return api;
  const models = endpoint.indexOf('/models/');
  return `${api} ${models === -1 ? endpoint : endpoint.slice(models)}`;
}

/**
 * The response split as it arrived: each recorded chunk from its offset to the next one's. A turn
 * captured before chunk timing existed is one chunk, due at its recorded first byte (0 when unknown).
 */
function chunkPlan(turn: ExportTurn, length: number): { chunks: ChunkPlan[]; timed: boolean } {
  const marks = (turn.response_chunks ?? []).filter(([offset]) => offset < length);
  if (marks.length === 0) {
    const started = turn.started_at ? Date.parse(turn.started_at) : Number.NaN;
    const firstByte = turn.first_byte_at ? Date.parse(turn.first_byte_at) : Number.NaN;
    const atMs = Number.isFinite(firstByte - started) ? Math.max(0, firstByte - started) : 0;
    return { chunks: [{ start: 0, end: length, atMs }], timed: false };
  }
  const chunks = marks.map(([offset, atMs], i) => ({ start: i === 0 ? 0 : offset, end: marks[i + 1]?.[0] ?? length, atMs }));
  return { chunks, timed: true };
}

async function decoded(bytes: Buffer, coding: string | undefined): Promise<Buffer> {
  if (!coding) return bytes;
  const result = await decodeBody(bytes, coding);
  return result.outcome === 'error' ? bytes : result.body;
}

function header(headers: ExportHeaders | null, name: string): string | undefined {
  return first(headers?.[name]);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
