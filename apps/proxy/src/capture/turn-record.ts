import { deriveTurn, redactHeaders, type DecodeResult, type HeaderRecord, type TurnApi, type TurnOutcome } from '@tapes/capture';
import type { Diagnostic, Provider } from '@tapes/llm';
import type { Node } from '@tapes/merkle';
import type { FinishedCapture } from './turn-capture';

/**
 * One captured turn as it is handed to storage (and, when storage is away, to the spool): the
 * nodes, plus the raw exchange with credentials redacted from the headers and the query string.
 * Field names follow libs/storage's turn record.
 */
export interface CapturedTurn {
  requestId: string;
  provider: Provider;
  api: TurnApi;
  agentName: string | undefined;
  captureSite: 'proxy';
  method: string;
  path: string;
  status: number;
  requestHeaders: HeaderRecord;
  requestBody: Buffer;
  responseHeaders: HeaderRecord;
  /** The response body exactly as the upstream sent it (still content-encoded). */
  responseBody: Buffer;
  responseContentType: string | undefined;
  responseContentEncoding: string | undefined;
  nodes: Node[];
  outcome: TurnOutcome;
  diagnostics: Diagnostic[];
  startedAt: Date;
  firstByteAt: Date | undefined;
  endedAt: Date;
}

/**
 * Builds the stored form of a finished capture: decode outcome and interruption become
 * diagnostics, the reducer's response and the request JSON become nodes through the shared
 * `deriveTurn` (so the proxy decides outcomes exactly as ingest does). A turn whose request or
 * response cannot be reduced is still returned, as `unreduced` with its raw bytes: never lost.
 */
export function buildTurnRecord(capture: FinishedCapture, decoded: DecodeResult, project: string | undefined): CapturedTurn {
  const { context, response } = capture;
  const reduced = response.reduction.finish(capture.interruption);
  if (decoded.outcome !== 'decoded') {
    reduced.diagnostics.push({
      code: 'decode_error',
      detail: `${decoded.outcome === 'salvaged' ? 'salvaged' : `${decoded.errorClass ?? 'undecodable'}`}: ${decoded.message ?? 'content decoding failed'}`,
      data: { outcome: decoded.outcome, ...(decoded.errorClass ? { errorClass: decoded.errorClass } : {}) },
    });
  }
  let outcome: TurnOutcome;
  let nodes: Node[] = [];
  let diagnostics: Diagnostic[];
  try {
    const derived = deriveTurn({
      reducer: context.reducer,
      request: parseRequestJson(capture.requestBody),
      response: reduced,
      agentName: context.agentName,
      project,
    });
    ({ outcome, nodes, diagnostics } = derived);
  } catch (err) {
    // A reducer or hashing bug: keep the raw turn so it can be re-reduced once fixed.
    outcome = 'unreduced';
    diagnostics = [...reduced.diagnostics, { code: 'reducer_error', detail: `building nodes failed: ${err instanceof Error ? err.message : String(err)}` }];
  }
  return {
    requestId: context.requestId,
    provider: context.reducer.provider,
    api: context.reducer.api,
    agentName: context.agentName,
    captureSite: 'proxy',
    method: context.method,
    path: redactQuery(context.path),
    status: response.status,
    requestHeaders: redactHeaders(context.requestHeaders),
    requestBody: capture.requestBody,
    responseHeaders: redactHeaders(response.headers),
    responseBody: response.body,
    responseContentType: response.contentType,
    responseContentEncoding: response.contentEncoding,
    nodes,
    outcome,
    diagnostics,
    startedAt: context.startedAt,
    firstByteAt: response.firstByteAt,
    endedAt: capture.endedAt,
  };
}

function parseRequestJson(body: Buffer): { document: unknown } | { error: string } {
  try {
    return { document: JSON.parse(body.toString('utf8')) as unknown };
  } catch (err) {
    return { error: body.byteLength === 0 ? 'the request body is empty' : `the request body is not JSON (${(err as Error).message})` };
  }
}

/** Query parameters that carry credentials in some APIs (`?key=`, `?api_key=`, signed URLs). */
const SECRET_PARAM = /^(?:key|api[-_]?key|access[-_]?token|token|secret|password|sig|signature|x-amz-signature|x-goog-signature)$/i;

/** The path with credential-looking query values replaced, so they never reach storage. */
export function redactQuery(pathWithQuery: string): string {
  const queryAt = pathWithQuery.indexOf('?');
  if (queryAt === -1) return pathWithQuery;
  const query = pathWithQuery
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // an undecodable name is compared as it is
      }
      return eq !== -1 && SECRET_PARAM.test(decoded) ? `${name}=%5Bredacted%5D` : pair;
    })
    .join('&');
  return `${pathWithQuery.slice(0, queryAt)}?${query}`;
}
