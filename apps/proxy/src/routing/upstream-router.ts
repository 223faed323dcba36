import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { AGENT_HEADER, reducerForPath, resolveAgentRoute, type Reducer } from '@tapes/capture';
import type { Provider } from '@tapes/llm';
import { REDUCERS, TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { joinUpstreamPath, parseUpstreamBase, type UpstreamBase } from './upstream-url';

/** Where one exchange goes, and whether it is a turn worth recording. */
export interface ExchangeRoute {
  agentName: string | undefined;
  /** The provider the upstream belongs to (metrics label; the hashed provider is the reducer's). */
  provider: Provider;
  /** `https://api.anthropic.com` */
  origin: string;
  /** Path and query on the upstream, e.g. `/v1/messages?beta=true`. */
  upstreamPath: string;
  /** The request path after the tapes prefix, query included (what the client meant upstream). */
  path: string;
  /** Set when the exchange is a turn: a POST to a known turn endpoint (design §7). */
  reducer: Reducer | undefined;
}

/**
 * Codex's sign-in flow goes to OpenAI's auth host, not the API host (ref §5.2, the codex auth rule).
 */
const CODEX_AUTH_PREFIXES = ['/oauth', '/v1/oauth', '/auth', '/v1/auth', '/api/oauth', '/api/auth', '/oauth2', '/v1/oauth2'];
const CODEX_AUTH_UPSTREAM = parseUpstreamBase('https://auth.openai.com');

/**
 * Resolves agent, provider and upstream for a request (ref §5.2), in this order:
 * 1. `/agents/<name>/providers/<p>/…` names the provider;
 * 2. the agent's configured route (`TAPES_AGENT_ROUTES`);
 * 3. the path: a known turn endpoint names its provider; otherwise the provider's path family
 *    (`/v1/messages…` or an `anthropic-version` header → Anthropic; `/` and `/api/…` → Ollama,
 *    whose clients probe `/` and use `/api/*` for everything);
 * 4. the default provider.
 */
@Injectable()
export class UpstreamRouter {
  private readonly providerBases: Readonly<Record<Provider, UpstreamBase>>;
  private readonly agentBases = new Map<string, { provider: Provider; base: UpstreamBase }>();
  private readonly defaultProvider: Provider;

  constructor(
    @Inject(TAPES_CONFIG) config: Pick<ProxyConfig, 'upstreams' | 'agentRoutes' | 'defaultProvider'>,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
  ) {
    this.defaultProvider = config.defaultProvider;
    this.providerBases = {
      anthropic: parseUpstreamBase(config.upstreams.anthropic),
      openai: parseUpstreamBase(config.upstreams.openai),
      ollama: parseUpstreamBase(config.upstreams.ollama),
    };
    for (const [agent, route] of Object.entries(config.agentRoutes)) {
      this.agentBases.set(agent, { provider: route.provider, base: route.upstream ? parseUpstreamBase(route.upstream) : this.providerBases[route.provider] });
    }
  }

  route(method: string, url: string, headers: IncomingHttpHeaders): ExchangeRoute {
    const agentRoute = resolveAgentRoute(url, headers[AGENT_HEADER]);
    const path = agentRoute.path;
    const queryAt = path.indexOf('?');
    const barePath = queryAt === -1 ? path : path.slice(0, queryAt);
    const agentName = agentRoute.agentName;

    let provider: Provider;
    let base: UpstreamBase;
    const agentBase = agentName === undefined ? undefined : this.agentBases.get(agentName);
    if (agentRoute.provider) {
      provider = agentRoute.provider;
      base = this.providerBases[provider];
    } else if (agentBase) {
      provider = agentBase.provider;
      base = agentBase.base;
    } else {
      provider = reducerForPath(this.reducers, barePath)?.provider ?? providerFromPathFamily(barePath, headers) ?? this.defaultProvider;
      base = this.providerBases[provider];
    }
    if (provider === 'openai' && agentName === 'codex' && isCodexAuthPath(barePath)) base = CODEX_AUTH_UPSTREAM;

    return {
      agentName,
      provider,
      origin: base.origin,
      upstreamPath: joinUpstreamPath(base, path),
      path,
      reducer: method === 'POST' ? this.turnReducer(provider, barePath) : undefined,
    };
  }

  /** The provider's own reducer for this endpoint if it has one, else whichever API the path is. */
  private turnReducer(provider: Provider, barePath: string): Reducer | undefined {
    return this.reducers.find((r) => r.provider === provider && r.handlesPath(barePath)) ?? reducerForPath(this.reducers, barePath);
  }
}

function providerFromPathFamily(barePath: string, headers: IncomingHttpHeaders): Provider | undefined {
  if (headers['anthropic-version'] !== undefined || barePath === '/v1/messages' || barePath.startsWith('/v1/messages/') || barePath === '/v1/complete') return 'anthropic';
  if (barePath === '/' || barePath === '' || barePath.startsWith('/api/')) return 'ollama';
  return undefined;
}

function isCodexAuthPath(barePath: string): boolean {
  const lower = barePath.toLowerCase();
  return CODEX_AUTH_PREFIXES.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
}
