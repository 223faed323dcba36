import type { Usage } from '@tapes/llm';
import type { WireTokenCounts } from './wire';

/**
 * Anthropic token counts as canonical usage (ref §3.2): Anthropic's `input_tokens` excludes the
 * cached part of the prompt, so the prompt is input + cache writes + cache reads; the completion
 * is `output_tokens`, thinking included. `output_tokens_details.thinking_tokens` is the thinking
 * part of it, carried as `reasoning_tokens`: a breakdown, never added to the completion (as with
 * OpenAI's `reasoning_tokens`). Zero counts are left out, as on the wire (`omitempty`).
 */
export function usageFromTokenCounts(counts: WireTokenCounts): Usage {
  const cacheCreation = counts.cache_creation_input_tokens ?? 0;
  const cacheRead = counts.cache_read_input_tokens ?? 0;
  const prompt = (counts.input_tokens ?? 0) + cacheCreation + cacheRead;
  const completion = counts.output_tokens ?? 0;
  const usage: Usage = {};
  if (prompt) usage.prompt_tokens = prompt;
  if (completion) usage.completion_tokens = completion;
  if (prompt + completion) usage.total_tokens = prompt + completion;
  if (cacheCreation) usage.cache_creation_input_tokens = cacheCreation;
  if (cacheRead) usage.cache_read_input_tokens = cacheRead;
  if (counts.thinking_tokens) usage.reasoning_tokens = counts.thinking_tokens;
  return usage;
}
