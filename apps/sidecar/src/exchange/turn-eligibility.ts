import { AGENT_HEADER, reducerForPath, resolveAgentRoute, type HeaderRecord, type Reducer } from '@tapes/capture';
import type { Provider } from '@tapes/llm';
import { firstHeader } from './header-map';

export type Eligibility =
  | {
      readonly eligible: true;
      readonly provider: Provider;
      /** The upstream path without query and without the `/agents/<name>/…` prefix. */
      readonly path: string;
      readonly agentName?: string;
    }
  | { readonly eligible: false; readonly reason: 'non_turn_request'; readonly provider?: Provider };

/**
 * Whether an exchange can be a turn, from its request headers alone (design §7/§8): a POST to a
 * turn endpoint some reducer knows. The provider is that reducer's, unless an
 * `/agents/<name>/providers/<p>/` prefix names one; the agent comes from `X-Tapes-Agent-Name` or
 * the `/agents/<name>/` prefix, as the proxy resolves it (ref §5.2). The status is checked later,
 * on the response headers.
 */
export function classifyRequest(headers: HeaderRecord, reducers: readonly Reducer[]): Eligibility {
  const route = resolveAgentRoute(firstHeader(headers, ':path') ?? '/', headers[AGENT_HEADER]);
  const path = route.path.split('?', 1)[0] || '/';
  const method = firstHeader(headers, ':method')?.toUpperCase();
  const reducer = method === 'POST' ? reducerForPath(reducers, path) : undefined;
  if (!reducer) return route.provider ? { eligible: false, reason: 'non_turn_request', provider: route.provider } : { eligible: false, reason: 'non_turn_request' };
  return {
    eligible: true,
    provider: route.provider ?? reducer.provider,
    path,
    ...(route.agentName ? { agentName: route.agentName } : {}),
  };
}
