import { deriveTurn, reducerFor, type Reducer, type TurnOutcome } from '@tapes/capture';
import type { Diagnostic } from '@tapes/llm';
import type { Node } from '@tapes/merkle';
import type { TurnRecord } from '@tapes/storage';
import type { PendingTurn } from './pending-turn';

/**
 * The stored form of a pending turn (runs in the storage worker): the request JSON is parsed by
 * the API's reducer and the nodes built by the shared `deriveTurn`, so the proxy decides outcomes
 * exactly as ingest does. A request or response that cannot be reduced still yields a turn —
 * `unreduced`, raw bytes kept, no nodes — never an exception that would lose it.
 */
export function deriveCapturedTurn(pending: PendingTurn, reducers: readonly Reducer[]): TurnRecord & { outcome: TurnOutcome } {
  let outcome: TurnOutcome;
  let nodes: Node[] = [];
  let diagnostics: Diagnostic[];
  const reducer = reducerFor(reducers, { api: pending.api });
  if (!reducer) {
    outcome = 'unreduced';
    diagnostics = [...pending.response.diagnostics, { code: 'reducer_error', detail: `no reducer for ${pending.api}` }];
  } else {
    try {
      ({ outcome, nodes, diagnostics } = deriveTurn({
        reducer,
        request: parseRequestJson(pending.requestBody),
        response: pending.response,
        agentName: pending.agentName,
        project: pending.project,
      }));
    } catch (err) {
      // A reducer or hashing bug: keep the raw turn so it can be re-reduced once fixed.
      outcome = 'unreduced';
      diagnostics = [...pending.response.diagnostics, { code: 'reducer_error', detail: `building nodes failed: ${err instanceof Error ? err.message : String(err)}` }];
    }
  }
  return {
    requestId: pending.requestId,
    provider: pending.provider,
    api: pending.api,
    agentName: pending.agentName,
    captureSite: 'proxy',
    method: pending.method,
    path: pending.path,
    status: pending.status,
    requestHeaders: pending.requestHeaders,
    requestBody: pending.requestBody,
    responseHeaders: pending.responseHeaders,
    responseBody: pending.responseBody,
    responseContentType: pending.responseContentType,
    responseContentEncoding: pending.responseContentEncoding,
    nodes,
    outcome,
    diagnostics,
    startedAt: pending.startedAt,
    firstByteAt: pending.firstByteAt,
    endedAt: pending.endedAt,
  };
}

function parseRequestJson(body: Uint8Array): { document: unknown } | { error: string } {
  try {
    return { document: JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as unknown };
  } catch (err) {
    return { error: body.byteLength === 0 ? 'the request body is empty' : `the request body is not JSON (${(err as Error).message})` };
  }
}
