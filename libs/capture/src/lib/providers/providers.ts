import type { Reducer } from '../reducer';
import { anthropicSpec } from './anthropic/provider';
import { geminiSpec } from './gemini/provider';
import { ollamaSpec } from './ollama/provider';
import { openaiSpec } from './openai/provider';
import type { ProviderSpec } from './provider-spec';

/**
 * The providers tapes ships — the one list a new provider joins. Order matters where rules
 * overlap: a request no turn endpoint matches is routed to the first provider whose `claims`
 * accepts it (Anthropic's Claude Code probe of `/` before Ollama's `/`).
 */
export const PROVIDER_SPECS = [anthropicSpec, openaiSpec, ollamaSpec, geminiSpec] as const satisfies readonly ProviderSpec[];

/** A provider tapes ships; what every node's bucket names. */
export type Provider = (typeof PROVIDER_SPECS)[number]['name'];
/** A wire API tapes records turns from (a provider may have several: OpenAI Chat Completions and Responses). */
export type TurnApi = (typeof PROVIDER_SPECS)[number]['apis'][number];

export const PROVIDERS: readonly Provider[] = PROVIDER_SPECS.map((s) => s.name);
export const TURN_APIS: readonly TurnApi[] = PROVIDER_SPECS.flatMap((s) => s.apis);

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

export function isTurnApi(value: unknown): value is TurnApi {
  return typeof value === 'string' && (TURN_APIS as readonly string[]).includes(value);
}

export function providerSpec(name: Provider): (typeof PROVIDER_SPECS)[number] {
  const spec = PROVIDER_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`no provider ${name}`); // unreachable: Provider is the list's names
  return spec;
}

/**
 * Every reducer tapes ships, constructed explicitly: the list capture sites are given (through
 * the REDUCERS token in the apps). Order matters only for `selectReducer({ provider })`, which picks
 * a provider's first API (OpenAI: Chat Completions).
 */
export function createDefaultReducers(): Reducer[] {
  return PROVIDER_SPECS.flatMap((s): Reducer[] => s.createReducers());
}
