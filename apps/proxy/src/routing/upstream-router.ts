import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { AGENT_HEADER, endpointPath, headerText, isProvider, PROVIDER_SPECS, resolveAgentRoute, selectReducer, type Provider, type Reducer } from '@tapes/capture';
import { REDUCERS, TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { joinUpstreamPath, parseUpstreamBase, resolveDotSegments, type UpstreamBase } from './upstream-url';

/** Where one exchange goes. Whether it is a turn is the capture policy's call (`turnPolicy`). */
export interface ExchangeRoute {
  agentName: string | undefined;
  /** Set when the agent name as sent was refused and `agentName` is its sanitised form (#13): why. */
  agentNameIssue?: string | undefined;
  /** The provider the upstream belongs to (metrics label; the hashed provider is the reducer's). */
  provider: Provider;
  /** `https://api.anthropic.com` */
  origin: string;
  /** Path and query on the upstream, e.g. `/v1/messages?beta=true`. */
  upstreamPath: string;
  /** The request path after the tapes prefix, query included (what the client meant upstream). */
  path: string;
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
 * 3. the request: a known turn endpoint names its provider; otherwise the first provider whose
 *    `claims` rule (its ProviderSpec) recognises the path or headers — Claude Code's start-up
 *    `HEAD /` by its user agent, `/api/…` for Ollama, `/v1beta/…` for Gemini;
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
    this.providerBases = Object.fromEntries(PROVIDER_SPECS.map((s) => [s.name, parseUpstreamBase(config.upstreams[s.name])])) as Record<Provider, UpstreamBase>;
    for (const [agent, route] of Object.entries(config.agentRoutes)) {
      this.agentBases.set(agent, { provider: route.provider, base: route.upstream ? parseUpstreamBase(route.upstream) : this.providerBases[route.provider] });
    }
  }

  route(url: string, headers: IncomingHttpHeaders): ExchangeRoute {
    // Node reads header bytes as latin1: the agent name is decoded as the UTF-8 it was (#13), so
    // the same name via the header and via /agents/<name>/ is one string and one hash.
    const agentHeader = headers[AGENT_HEADER];
    const agentRoute = resolveAgentRoute(resolveDotSegments(url), Array.isArray(agentHeader) ? agentHeader.map(headerText) : agentHeader === undefined ? undefined : headerText(agentHeader));
    const path = agentRoute.path;
    const barePath = endpointPath(path);
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
      provider = this.providerOf(barePath, headers);
      base = this.providerBases[provider];
    }
    if (provider === 'openai' && agentName === 'codex' && isCodexAuthPath(barePath)) base = CODEX_AUTH_UPSTREAM;

    return {
      agentName,
      ...(agentRoute.agentNameIssue ? { agentNameIssue: agentRoute.agentNameIssue } : {}),
      provider,
      origin: base.origin,
      upstreamPath: joinUpstreamPath(base, path),
      path,
    };
  }

  private providerOf(barePath: string, headers: IncomingHttpHeaders): Provider {
    const byEndpoint = selectReducer(this.reducers, { path: barePath })?.provider;
    if (isProvider(byEndpoint)) return byEndpoint;
    const probe = { path: barePath, header: (name: string) => firstValue(headers[name]) };
    return PROVIDER_SPECS.find((s) => s.claims(probe))?.name ?? this.defaultProvider;
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isCodexAuthPath(barePath: string): boolean {
  const lower = barePath.toLowerCase();
  return CODEX_AUTH_PREFIXES.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
}
