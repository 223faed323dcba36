import { redactHeaders, type DecodeResult, type HeaderRecord, type TurnApi } from '@tapes/capture';
import type { ChatResponse, Provider } from '@tapes/llm';
import type { FinishedCapture } from './turn-capture';

/**
 * A captured turn on its way to storage, before its nodes are derived: the raw exchange (headers
 * and query already redacted: credentials never leave the forwarding thread) and the response the
 * reducer assembled while the bytes streamed past. The storage worker parses the request and
 * hashes the nodes (`derive-captured-turn.ts`) — a few milliseconds for a long conversation that
 * would otherwise stall the forwarding thread. This is also what the spool keeps: derivation is
 * deterministic, so a spooled turn is derived again when it is finally stored.
 */
export interface PendingTurn {
  requestId: string;
  provider: Provider;
  api: TurnApi;
  agentName: string | undefined;
  project: string | undefined;
  method: string;
  path: string;
  status: number;
  requestHeaders: HeaderRecord;
  requestBody: Uint8Array;
  responseHeaders: HeaderRecord;
  /** The response body exactly as the upstream sent it (still content-encoded). */
  responseBody: Uint8Array;
  responseContentType: string | undefined;
  responseContentEncoding: string | undefined;
  /** The reducer's response, with the interruption and the decode outcome as diagnostics. */
  response: ChatResponse;
  startedAt: Date;
  firstByteAt: Date | undefined;
  endedAt: Date;
}

/** Closes a finished capture's reduction and packs what storage needs. Cheap: no parsing, no hashing. */
export function buildPendingTurn(capture: FinishedCapture, decoded: DecodeResult, project: string | undefined): PendingTurn {
  const { context, response } = capture;
  const reduced = response.reduction.finish(capture.interruption);
  if (decoded.outcome !== 'decoded') {
    reduced.diagnostics.push({
      code: 'decode_error',
      detail: `${decoded.outcome === 'salvaged' ? 'salvaged' : (decoded.errorClass ?? 'undecodable')}: ${decoded.message ?? 'content decoding failed'}`,
      data: { outcome: decoded.outcome, ...(decoded.errorClass ? { errorClass: decoded.errorClass } : {}) },
    });
  }
  return {
    requestId: context.requestId,
    provider: context.reducer.provider,
    api: context.reducer.api,
    agentName: context.agentName,
    project,
    method: context.method,
    path: redactQuery(context.path),
    status: response.status,
    requestHeaders: redactHeaders(context.requestHeaders),
    requestBody: capture.requestBody,
    responseHeaders: redactHeaders(response.headers),
    responseBody: response.body,
    responseContentType: response.contentType,
    responseContentEncoding: response.contentEncoding,
    response: reduced,
    startedAt: context.startedAt,
    firstByteAt: response.firstByteAt,
    endedAt: capture.endedAt,
  };
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
