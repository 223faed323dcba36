import type { Usage } from '@tapes/llm';
import type { WireMetrics } from './wire';

/**
 * Usage from the metrics of the done chunk (ref §3.2): prompt = `prompt_eval_count`, completion =
 * `eval_count`, total = their sum, plus `total_duration` and `prompt_eval_duration` in nanoseconds.
 * Undefined when no count or duration is above zero (a done line without metrics carries no
 * usage), and zero fields are left out, as on tapes' wire.
 */
export function ollamaUsage(metrics: WireMetrics): Usage | undefined {
  const prompt = positive(metrics.prompt_eval_count);
  const completion = positive(metrics.eval_count);
  const totalDuration = positive(metrics.total_duration);
  const promptDuration = positive(metrics.prompt_eval_duration);
  if (!prompt && !completion && !totalDuration && !promptDuration) return undefined;
  const usage: Usage = {};
  if (prompt) usage.prompt_tokens = prompt;
  if (completion) usage.completion_tokens = completion;
  if (prompt || completion) usage.total_tokens = (prompt ?? 0) + (completion ?? 0);
  if (totalDuration) usage.total_duration_ns = totalDuration;
  if (promptDuration) usage.prompt_duration_ns = promptDuration;
  return usage;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}
