import { isComplete, type ChatRequest, type ChatResponse, type Diagnostic } from '@tapes/llm';
import { turnNodes, type Node } from '@tapes/merkle';
import { errorMessage } from '../diagnostics';
import { RequestParseError, type Reducer } from '../reducer';

/**
 * What a captured turn becomes:
 *  - `complete`: reduced cleanly, nodes built;
 *  - `partial`: nodes built from what arrived, with diagnostics (error event, truncation, cut);
 *  - `unreduced`: no nodes could be built (the request is not the API's request, or nothing that
 *    looks like a response arrived). The raw bytes are still stored, so the turn can be re-reduced
 *    later; it is never silently dropped.
 */
export type TurnOutcome = 'complete' | 'partial' | 'unreduced';

export interface DerivedTurn {
  outcome: TurnOutcome;
  nodes: Node[];
  request?: ChatRequest;
  response: ChatResponse;
  diagnostics: Diagnostic[];
}

/**
 * Builds a turn's nodes from its request document and its reduced response, the same way at every
 * capture site (proxy, sidecar via ingest, ingest): the one place that decides a turn's outcome.
 */
export function deriveTurn(input: {
  reducer: Reducer;
  /** The request JSON, a request the caller already parsed with this reducer, or a failure it observed. */
  request: { document: unknown } | { parsed: ChatRequest } | { error: string };
  response: ChatResponse;
  agentName?: string | undefined;
  project?: string | undefined;
}): DerivedTurn {
  const { reducer, response } = input;
  const diagnostics = [...response.diagnostics];
  let request: ChatRequest | undefined;
  if ('parsed' in input.request) {
    request = input.request.parsed;
  } else if ('error' in input.request) {
    diagnostics.push({ code: 'parse_error', detail: `request: ${input.request.error}`, data: { side: 'request' } });
  } else {
    try {
      request = reducer.parseRequest(input.request.document);
    } catch (err) {
      if (!(err instanceof RequestParseError)) throw err;
      diagnostics.push({ code: 'parse_error', detail: `request: ${errorMessage(err)}`, data: { side: 'request' } });
    }
  }
  const nothingArrived = response.message.content.length === 0 && response.diagnostics.some((d) => d.code === 'empty_response' || d.code === 'decode_error');
  if (!request || nothingArrived) return { outcome: 'unreduced', nodes: [], ...(request ? { request } : {}), response, diagnostics };
  const nodes = turnNodes(request, response, { provider: reducer.provider, agentName: input.agentName, project: input.project });
  return { outcome: isComplete(response) ? 'complete' : 'partial', nodes, request, response, diagnostics };
}
