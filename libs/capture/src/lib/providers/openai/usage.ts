import type { Usage } from '@tapes/llm';
import { asNumber, asRecord } from '../../json';

/**
 * Chat Completions `usage` → canonical usage (ref §3.2, plus reasoning tokens):
 * `prompt_tokens_details.cached_tokens` → `cache_read_input_tokens` (DeepSeek reports the same
 * as `prompt_cache_hit_tokens`), `completion_tokens_details.reasoning_tokens` →
 * `reasoning_tokens`. Zero counts are left out, as on the wire (Go `omitempty`); undefined when
 * `usage` is absent or null (every chunk but the last carries `"usage": null` under
 * `stream_options.include_usage`).
 */
export function chatUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (!usage) return undefined;
  const promptDetails = asRecord(usage['prompt_tokens_details']);
  const completionDetails = asRecord(usage['completion_tokens_details']);
  return usageOf({
    prompt_tokens: usage['prompt_tokens'],
    completion_tokens: usage['completion_tokens'],
    total_tokens: usage['total_tokens'],
    cache_read_input_tokens: promptDetails?.['cached_tokens'] ?? usage['prompt_cache_hit_tokens'],
    reasoning_tokens: completionDetails?.['reasoning_tokens'],
  });
}

/** A usage object holding only the positive counts among `counts`. */
export function usageOf(counts: Partial<Record<keyof Usage, unknown>>): Usage {
  const usage: Usage = {};
  for (const [key, value] of Object.entries(counts) as [keyof Usage, unknown][]) {
    const n = asNumber(value);
    if (n !== undefined && n > 0) usage[key] = n;
  }
  return usage;
}
