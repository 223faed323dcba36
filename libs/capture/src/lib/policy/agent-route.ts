import { isProvider, type Provider } from '../providers/providers';
import { sanitizeAgentName } from './agent-name';

/** The header an agent (or its launcher) sets to name itself. Never forwarded upstream. */
export const AGENT_HEADER = 'x-tapes-agent-name';

export interface AgentRoute {
  /** The agent's name, or undefined. Part of every node's hash. */
  agentName?: string;
  /** Set when the name as sent was not acceptable and {@link agentName} is its sanitised form (#13): why. */
  agentNameIssue?: string;
  /** A provider named by the `/agents/<name>/providers/<p>/` prefix. */
  provider?: Provider;
  /** The upstream path with the tapes prefix removed (query string kept). */
  path: string;
}

/**
 * Resolves the agent and an explicit provider the way tapes does (ref §5.2): the
 * `X-Tapes-Agent-Name` header wins (the path is then left alone); otherwise an
 * `/agents/<name>/[providers/<p>/]…` prefix names the agent (and provider) and is stripped.
 * The name is sanitised ({@link sanitizeAgentName}): a capture site stores the turn under a
 * usable name and says why in `agentNameIssue`, it never refuses one. `agentHeader` must already
 * be text (see `headerText` for values from Node's HTTP parser).
 */
export function resolveAgentRoute(pathWithQuery: string, agentHeader: string | string[] | undefined): AgentRoute {
  const header = (Array.isArray(agentHeader) ? agentHeader[0] : agentHeader)?.trim();
  if (header) return { ...named(header), path: pathWithQuery };

  const queryAt = pathWithQuery.indexOf('?');
  const path = queryAt === -1 ? pathWithQuery : pathWithQuery.slice(0, queryAt);
  const query = queryAt === -1 ? '' : pathWithQuery.slice(queryAt);
  if (!path.startsWith('/agents/')) return { path: pathWithQuery };

  const rest = path.slice('/agents/'.length);
  const slash = rest.indexOf('/');
  const agent = decodeSegment(slash === -1 ? rest : rest.slice(0, slash)).trim();
  let remainder = slash === -1 ? '/' : rest.slice(slash) || '/';
  let provider: Provider | undefined;
  const providerMatch = /^\/providers\/([^/]+)(\/.*)?$/.exec(remainder);
  if (providerMatch && isProvider(providerMatch[1])) {
    provider = providerMatch[1];
    remainder = providerMatch[2] || '/';
  }
  const route: AgentRoute = { path: remainder + query, ...named(agent) };
  if (provider) route.provider = provider;
  return route;
}

function named(raw: string): Pick<AgentRoute, 'agentName' | 'agentNameIssue'> {
  const { name, issue } = sanitizeAgentName(raw);
  return { ...(name ? { agentName: name } : {}), ...(issue ? { agentNameIssue: issue } : {}) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
