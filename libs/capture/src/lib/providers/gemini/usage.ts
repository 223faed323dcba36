import type { Usage } from '@tapes/llm';
import type { WireUsage } from './wire';

/**
 * Gemini `usageMetadata` → canonical usage, in the sense the other reducers give the fields:
 * - prompt = `promptTokenCount` (which already counts the cached part) + `toolUsePromptTokenCount`
 *   (results of built-in tools fed back to the model);
 * - completion = `candidatesTokenCount` + `thoughtsTokenCount`: Gemini counts thinking apart from
 *   the candidates and bills it as output, while the canonical completion includes reasoning
 *   (as OpenAI's does), with `reasoning_tokens` = `thoughtsTokenCount` as the breakdown;
 * - total = `totalTokenCount` as sent (the sum of the above), or the sum when absent;
 * - `cache_read_input_tokens` = `cachedContentTokenCount`.
 * Zero counts are left out, as on the wire.
 */
export function geminiUsage(usage: WireUsage): Usage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const completion = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  const counts: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokenCount ?? prompt + completion,
    reasoning_tokens: usage.thoughtsTokenCount ?? 0,
    cache_read_input_tokens: usage.cachedContentTokenCount ?? 0,
  };
  const out: Usage = {};
  for (const [key, value] of Object.entries(counts) as [keyof Usage, number][]) if (value > 0) out[key] = value;
  return out;
}
