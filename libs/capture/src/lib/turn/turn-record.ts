import type { Diagnostic, Usage } from '@tapes/llm';
import type { Node } from '@tapes/merkle';
import type { HeaderRecord } from '../policy/redaction';
import type { ChunkMark } from './chunk-timeline';

/** Where a turn was captured (design §3). */
export const CAPTURE_SITES = ['proxy', 'ingest', 'sidecar'] as const;
export type CaptureSite = (typeof CAPTURE_SITES)[number];

/**
 * What a captured turn became:
 *  - `complete`: reduced cleanly, nodes built;
 *  - `partial`: nodes built from what arrived, with diagnostics (error event, truncation, cut);
 *  - `unreduced`: no nodes could be built (the request is not the API's request, or nothing that
 *    looks like a response arrived). The raw bytes are still stored, so the turn can be re-reduced
 *    later; it is never silently dropped.
 */
export const TURN_OUTCOMES = ['complete', 'partial', 'unreduced'] as const;
export type TurnOutcome = (typeof TURN_OUTCOMES)[number];

/**
 * Who a turn belongs to (#14), resolved by the capture pipeline from the `X-Tapes-*` envelope or
 * what the harness sends on its own. Identifiers, never secrets: they are stored as they came.
 */
export interface TurnSession {
  /**
   * The session: the harness's session id, else `root:<first node hash>` (a harness that names no
   * session — Gemini CLI — has its turns grouped by conversation root). Absent only for a turn with
   * neither (an unreduced turn of such a harness).
   */
  id?: string | undefined;
  /** The sub-thread (a subagent); "" for the main thread. */
  threadId: string;
  /** `claude`, `codex`, `gemini`, … or `unknown`. */
  harnessId: string;
  harnessVersion?: string | undefined;
  parentSessionId?: string | undefined;
  cwd?: string | undefined;
  name?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** What the turn cost, estimated from the versioned price table. */
export interface TurnCost {
  usd: number;
  priceVersion: string;
}

/**
 * One captured turn as it is stored: the raw exchange (credentials redacted) and what the shared
 * pipeline derived from it (`toTurnRecord`). Every capture site produces it the same way, so the
 * same exchange stores the same row whichever site saw it.
 */
export interface TurnRecord {
  /** Idempotency key: storing the same requestId again is a no-op that answers `duplicate`. */
  requestId: string;
  provider: string;
  /** The provider API (`anthropic.messages`, `openai.responses`, …). */
  api?: string;
  agentName?: string;
  captureSite: CaptureSite;
  method?: string;
  /** The upstream path with its query, credential values redacted. */
  path?: string;
  /** The upstream HTTP status. */
  status?: number;
  /** Redacted: authorization, x-api-key, cookie… never reach storage. */
  requestHeaders?: HeaderRecord;
  requestBody?: Uint8Array;
  responseHeaders?: HeaderRecord;
  /** The response bytes as received (still content-encoded when `responseContentEncoding` says so). */
  responseBody?: Uint8Array;
  responseContentType?: string;
  responseContentEncoding?: string;
  /**
   * The turn's nodes, root first (libs/merkle turnNodes): each node's parent is the previous one; the
   * first one's parent is null or a node already stored. Empty for an unreduced turn.
   */
  nodes: Node[];
  outcome: TurnOutcome;
  diagnostics?: Diagnostic[];
  startedAt?: Date;
  firstByteAt?: Date;
  endedAt?: Date;
  /** When each response chunk arrived, offsets into `responseBody` (#16, what `tapes replay` paces by); absent when the site did not record it. */
  responseChunks?: ChunkMark[];
  /** Its session and thread (#14). */
  session?: TurnSession;
  /** The model that answered (the response's, else the request's). */
  model?: string;
  /** The response's token usage (cache and reasoning tokens included). */
  usage?: Usage;
  /** Undefined for a model the price table does not know. */
  cost?: TurnCost;
  /** The searchable text of each node, same order as `nodes` (the store indexes those it was first to write). */
  nodeText?: string[];
}
