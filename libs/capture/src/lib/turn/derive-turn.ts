import { isComplete, type ChatRequest, type ChatResponse, type Diagnostic } from '@tapes/llm';
import { turnNodes, type Node } from '@tapes/merkle';
import { errorMessage } from '../diagnostics';
import { RequestParseError, type Reducer } from '../reducer';
import type { TurnOutcome } from './turn-record';

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
  /**
   * The request JSON, a request the caller already parsed with this reducer, or a failure it
   * observed (a `parse_error` unless it names another diagnostic, such as a request body whose
   * content encoding could not be undone).
   */
  request: { document: unknown } | { parsed: ChatRequest } | { error: string } | { failure: Diagnostic };
  response: ChatResponse;
  /** The request path (query included), for APIs that put request fields in the URL. */
  path?: string | undefined;
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
  } else if ('failure' in input.request) {
    diagnostics.push(input.request.failure);
  } else {
    try {
      request = reducer.parseRequest(input.request.document, { path: input.path });
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
