import type { Usage } from '@tapes/llm';

/** What one log line per captured turn says (every site logs the same line). */
export interface TurnLogFacts {
  agentName?: string | undefined;
  provider: string;
  model?: string | undefined;
  outcome: string;
  usage?: Usage | undefined;
  newNodes: number;
  turnId: string;
  duplicate?: boolean;
}

/**
 * `turn complete · claude · claude-sonnet-4-5 · 1,204 in / 88 out tokens · 2 new nodes · turn 0197…`:
 * the line a user watches while an agent works. The structured fields ride along for JSON logs.
 */
export function turnLogLine(facts: TurnLogFacts): { fields: Record<string, unknown>; message: string } {
  const parts = [`turn ${facts.duplicate ? 'already stored' : facts.outcome}`, facts.agentName ?? '(no agent)', facts.model || facts.provider];
  const input = facts.usage?.prompt_tokens;
  const output = facts.usage?.completion_tokens;
  if (input !== undefined || output !== undefined) parts.push(`${count(input)} in / ${count(output)} out tokens`);
  parts.push(`${facts.newNodes} new node${facts.newNodes === 1 ? '' : 's'}`, `turn ${facts.turnId}`);
  return {
    fields: { agent: facts.agentName, provider: facts.provider, model: facts.model, outcome: facts.outcome, usage: facts.usage, newNodes: facts.newNodes, turnId: facts.turnId },
    message: parts.join(' · '),
  };
}

function count(n: number | undefined): string {
  return n === undefined ? '?' : n.toLocaleString('en-US');
}
