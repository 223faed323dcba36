import type { Usage } from '@tapes/llm';
import { PRICE_TABLE, UNPRICED_SNAPSHOTS, type ModelPrice } from './price-table';

export interface CostEstimate {
  usd: number;
  /** The {@link PRICE_TABLE} version that priced it; store it beside the cost. */
  price_version: string;
}

/**
 * A model id as the table keys it: trimmed, lower-case, without the Gemini API's `models/`
 * resource prefix and without a snapshot date (`claude-sonnet-4-5-20250929`, `gpt-4.1-2025-04-14`).
 * Nothing else is stripped: a router's `vendor/model` id may be billed differently, so it stays
 * unknown.
 */
export function normalizeModelId(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^models\//, '')
    .replace(/-\d{8}$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '');
}

const BY_ID = new Map<string, ModelPrice>(PRICE_TABLE.models.flatMap((entry): [string, ModelPrice][] => entry.ids.map((id) => [id, entry])));

/** The table's entry for a model, or undefined: an unlisted model is not priced. */
export function findModelPrice(model: string): ModelPrice | undefined {
  if (UNPRICED_SNAPSHOTS.has(model.trim().toLowerCase())) return undefined;
  return BY_ID.get(normalizeModelId(model));
}

/**
 * The cost of one turn from its canonical usage. Undefined when the model is not in the table (or
 * its prompt is past a threshold whose rate the table does not know) — never a guess.
 *
 * Canonical usage counts the whole prompt in `prompt_tokens`, cached parts included, for every
 * provider, so: plain input = prompt − cache writes − cache reads, each part at its own rate. The
 * completion is billed at the output rate, and it already holds the reasoning/thinking tokens
 * (Anthropic `output_tokens`, OpenAI `completion_tokens`/`output_tokens`, Gemini candidates +
 * thoughts, as the reducers map them): `reasoning_tokens` is a breakdown of it, never billed again.
 *
 * Not modelled: Anthropic 1-hour cache writes (canonical usage does not split writes by TTL; all
 * are priced at the 5-minute rate, so such turns are under-estimated), batch and priority tiers,
 * regional surcharges, Gemini cache storage, and tool fees (web search and the like).
 */
export function estimateCost(model: string | undefined, usage: Usage | undefined): CostEstimate | undefined {
  if (!model || !usage) return undefined;
  const entry = findModelPrice(model);
  if (!entry) return undefined;
  const prompt = usage.prompt_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const long = entry.long_context && prompt > entry.long_context.above_prompt_tokens;
  const prices = long ? entry.long_context?.prices : entry.prices;
  if (!prices) return undefined;
  const input = Math.max(prompt - cacheWrite - cacheRead, 0);
  const perMillion = input * prices.input + cacheWrite * prices.cache_write + cacheRead * prices.cache_read + (usage.completion_tokens ?? 0) * prices.output;
  // Rounded to a nano-dollar: no float noise in what is stored and summed.
  return { usd: Math.round((perMillion / 1e6) * 1e9) / 1e9, price_version: PRICE_TABLE.version };
}
