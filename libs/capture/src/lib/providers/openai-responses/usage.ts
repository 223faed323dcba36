import type { Usage } from '@tapes/llm';
import { asRecord } from '../../json';
import { usageOf } from '../openai/usage';

/**
 * Responses `usage` → canonical usage: `input_tokens` → `prompt_tokens` (cached ones included, as
 * OpenAI counts them), `input_tokens_details.cached_tokens` → `cache_read_input_tokens`,
 * `output_tokens` → `completion_tokens` (reasoning included),
 * `output_tokens_details.reasoning_tokens` → `reasoning_tokens`, `total_tokens`. Zero counts are
 * left out; undefined when `usage` is absent or null (it is null until the terminal event).
 */
export function responsesUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (!usage) return undefined;
  return usageOf({
    prompt_tokens: usage['input_tokens'],
    completion_tokens: usage['output_tokens'],
    total_tokens: usage['total_tokens'],
    cache_read_input_tokens: asRecord(usage['input_tokens_details'])?.['cached_tokens'],
    reasoning_tokens: asRecord(usage['output_tokens_details'])?.['reasoning_tokens'],
  });
}
