import type { Reducer } from '../reducer';

/** What a provider's routing rule may read of a request: its path (query excluded) and headers. */
export interface RouteProbe {
  readonly path: string;
  /** A header's value by lower-case name (the first one when repeated). */
  header(name: string): string | undefined;
}

/**
 * Everything about one provider that is not reduction: its name, its turn APIs, where its traffic
 * goes by default and how that is configured, which non-turn requests belong to it, and how an
 * agent is pointed at a proxy for it. The provider list (`providers.ts`) is built from these, and
 * the proxy's router and configuration, ingest's validator and the start line are derived from
 * that list — so a provider is its folder plus one line there.
 */
export interface ProviderSpec<Name extends string = string, Api extends string = string> {
  /** Hashed into every node's bucket (`provider`): never rename. */
  readonly name: Name;
  /** Its turn APIs (`anthropic.messages`), one reducer each, in the order `createReducers` returns them. */
  readonly apis: readonly Api[];
  /** Where its traffic goes unless configured otherwise. */
  readonly defaultUpstream: string;
  /** The environment variable that overrides {@link defaultUpstream}. */
  readonly upstreamEnv: string;
  /**
   * True for a request that is not a turn but belongs to this provider (model lists, token
   * counting, an agent's start-up probe): routing only, nothing is recorded from it.
   */
  claims(request: RouteProbe): boolean;
  /** The environment that points this provider's agents at a proxy whose base URL is `base`. */
  agentEnv(base: string): Record<string, string>;
  /** Its reducers, freshly constructed (one per API). */
  createReducers(): Reducer[];
}
