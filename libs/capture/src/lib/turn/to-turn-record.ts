import type { ChatRequest, ChatResponse, Diagnostic } from '@tapes/llm';
import type { Node } from '@tapes/merkle';
import { errorMessage } from '../diagnostics';
import { decodeChunks, type DecodedBody } from '../encoding/decode-body';
import { DecodeMemoryExhaustedError, type DecodeBudget } from '../encoding/decode-budget';
import { contentCodingTokens } from '../encoding/content-codings';
import { selectReducer } from '../policy/select-reducer';
import type { Reducer } from '../reducer';
import { headerValue, type CapturedTurn } from './captured-turn';
import { estimateCost } from '../pricing/estimate-cost';
import { deriveTurn } from './derive-turn';
import { decodeErrorDiagnostic } from './decode-diagnostic';
import { nodeSearchText } from './node-text';
import { turnSession } from './turn-session';
import { scrubTurnBodies } from './scrub-turn';
import { AGENT_NAME_DIAGNOSTIC } from '../policy/agent-name';
import { usableChunkMarks } from './chunk-timeline';
import type { TurnOutcome, TurnRecord } from './turn-record';

/** What the site already holds, so it is not worked out twice (ingest's parsed form, a streamed reduction). */
export interface KnownReduction {
  request?: ChatRequest | undefined;
  response?: ChatResponse | undefined;
}

/** The stored record, and the reduced response it came from (for log lines and metrics). */
export interface DerivedTurnRecord {
  record: TurnRecord;
  /** Undefined when no reducer serves the turn's API, or building it failed. */
  response?: ChatResponse | undefined;
}

export interface ToTurnRecordOptions {
  reducers: readonly Reducer[];
  /** Stored with every node (not hashed). */
  project?: string | undefined;
  /** Decoded bytes one body may inflate to (the bomb guard); the decoder's default otherwise. */
  maxDecodedBytes?: number | undefined;
  /**
   * The process's decode budget (#12): decoded bytes count against it while the turn is derived.
   * When it is spent, {@link toTurnRecord} throws DecodeMemoryExhaustedError — try again later.
   */
  decodeBudget?: DecodeBudget | undefined;
  /** The opt-in body scrubber (#13): secrets in the bodies become `[redacted:<n>]` before reduction. Changes hashes. */
  scrubBodySecrets?: boolean | undefined;
}

type DecodeOptions = { maxDecodedBytes?: number; budget?: DecodeBudget };

/**
 * The one pipeline from a captured exchange to its stored record, the same at every site:
 * decode the request and response bodies (content-encoding), reduce the response with the API's
 * reducer, parse the request, derive the nodes, and map it all to the record with the raw bytes
 * as they were captured. Never throws for anything in the turn: what cannot be reduced is stored
 * `unreduced` with diagnostics, raw bytes kept, so it can be re-derived later. It throws only
 * DecodeMemoryExhaustedError, when `decodeBudget` is spent: a statement about the process, not the turn.
 */
export async function toTurnRecord(turn: CapturedTurn, options: ToTurnRecordOptions, known: KnownReduction = {}): Promise<DerivedTurnRecord> {
  const decodeOptions: DecodeOptions = {
    ...(options.maxDecodedBytes === undefined ? {} : { maxDecodedBytes: options.maxDecodedBytes }),
    ...(options.decodeBudget === undefined ? {} : { budget: options.decodeBudget }),
  };
  let scrubDiagnostics: Diagnostic[] = [];
  if (options.scrubBodySecrets) ({ turn, diagnostics: scrubDiagnostics } = await scrubTurnBodies(turn, decodeOptions));
  const reducer = selectReducer(options.reducers, { api: turn.api });
  // The request JSON serves twice: the reducer parses it, and the session is read from it (Claude
  // Code names its session in `metadata.user_id`).
  const document = await requestDocument(turn, decodeOptions);
  const { session, diagnostics: sessionDiagnostics } = turnSession(turn.requestHeaders, 'document' in document ? document.document : undefined);
  let outcome: TurnOutcome = 'unreduced';
  let nodes: Node[] = [];
  let diagnostics: Diagnostic[];
  let reduced: ChatResponse | undefined;
  let request: ChatRequest | undefined;
  if (!reducer) {
    diagnostics = [{ code: 'reducer_error', detail: `no reducer for ${turn.api}` }];
  } else {
    try {
      const response = known.response ?? (await reduceResponse(reducer, turn, decodeOptions));
      const derived = deriveTurn({ reducer, request: known.request ? { parsed: known.request } : document, response, path: turn.path, agentName: turn.agentName, project: options.project });
      ({ outcome, nodes, diagnostics } = derived);
      request = derived.request;
      reduced = response;
    } catch (err) {
      // A spent decode budget is the process's state, not the turn's: the caller tries again later.
      if (err instanceof DecodeMemoryExhaustedError) throw err;
      // A reducer or hashing bug: keep the raw turn so it can be re-derived once fixed.
      diagnostics = [{ code: 'reducer_error', detail: `building nodes failed: ${errorMessage(err)}` }];
    }
  }
  const model = reduced?.model || request?.model || undefined;
  const usage = reduced?.usage;
  const cost = estimateCost(model, usage);
  const responseChunks = usableChunkMarks(turn.responseChunks, turn.responseBody.byteLength);
  const record: TurnRecord = {
    requestId: turn.requestId,
    provider: turn.provider,
    api: turn.api,
    ...(turn.agentName ? { agentName: turn.agentName } : {}),
    captureSite: turn.site,
    method: turn.method,
    // A turn posted to ingest without its path has none (never a made-up one).
    ...(turn.path ? { path: turn.path } : {}),
    status: turn.status,
    requestHeaders: turn.requestHeaders,
    requestBody: turn.requestBody,
    responseHeaders: turn.responseHeaders,
    responseBody: turn.responseBody,
    ...(turn.responseContentType ? { responseContentType: turn.responseContentType } : {}),
    ...(turn.responseContentEncoding ? { responseContentEncoding: turn.responseContentEncoding } : {}),
    nodes,
    outcome,
    diagnostics: [...diagnostics, ...sessionDiagnostics, ...scrubDiagnostics, ...(turn.agentNameIssue ? [{ code: AGENT_NAME_DIAGNOSTIC, detail: turn.agentNameIssue }] : [])],
    startedAt: turn.startedAt,
    ...(turn.firstByteAt ? { firstByteAt: turn.firstByteAt } : {}),
    endedAt: turn.endedAt,
    ...(responseChunks ? { responseChunks } : {}),
    session,
    ...(model ? { model } : {}),
    ...(usage ? { usage } : {}),
    ...(cost ? { cost: { usd: cost.usd, priceVersion: cost.price_version } } : {}),
    nodeText: nodes.map(nodeSearchText),
  };
  return { record, response: reduced };
}

/**
 * Undoes the response's content encoding and reduces it; a body that cannot be decoded is a
 * `decode_error`. The decoded chunks go to the reducer one by one (never concatenated), and their
 * bytes stay counted against the decode budget until the reduction is done.
 */
async function reduceResponse(reducer: Reducer, turn: CapturedTurn, decodeOptions: DecodeOptions): Promise<ChatResponse> {
  const reduction = reducer.start({ contentType: turn.responseContentType });
  if (contentCodingTokens(turn.responseContentEncoding).length === 0) {
    reduction.push(turn.responseBody);
    return reduction.finish(turn.interruption);
  }
  const decoded = await decodeChunks(turn.responseBody, turn.responseContentEncoding, decodeOptions);
  try {
    for (const chunk of decoded.chunks) reduction.push(chunk);
    const response = reduction.finish(turn.interruption);
    const outcome = decoded.result;
    // A body that could not be decoded was not empty: the decode error is the one thing to say.
    if (outcome.outcome === 'error') response.diagnostics = response.diagnostics.filter((d) => d.code !== 'empty_response');
    if (outcome.outcome !== 'decoded') response.diagnostics.push(decodeErrorDiagnostic('response', turn.responseContentEncoding, outcome));
    return response;
  } finally {
    decoded.release();
  }
}

/**
 * The request JSON, after undoing a request `content-encoding` (Codex and pi may send zstd
 * request bodies, #12) — or why there is none.
 */
async function requestDocument(turn: CapturedTurn, decodeOptions: DecodeOptions): Promise<{ document: unknown } | { error: string } | { failure: Diagnostic }> {
  const encoding = headerValue(turn.requestHeaders, 'content-encoding');
  let body: Pick<DecodedBody, 'body'> = { body: Buffer.from(turn.requestBody.buffer, turn.requestBody.byteOffset, turn.requestBody.byteLength) };
  let release = (): void => undefined;
  if (contentCodingTokens(encoding).length > 0) {
    const decoded = await decodeChunks(turn.requestBody, encoding, decodeOptions);
    release = decoded.release;
    if (decoded.result.outcome !== 'decoded') {
      release();
      return { failure: decodeErrorDiagnostic('request', encoding, decoded.result) };
    }
    body = { body: Buffer.concat(decoded.chunks) };
  }
  try {
    if (body.body.byteLength === 0) return { error: 'the request body is empty' };
    return { document: JSON.parse(body.body.toString('utf8')) as unknown };
  } catch (err) {
    return { error: `the request body is not JSON (${errorMessage(err)})` };
  } finally {
    release();
  }
}
