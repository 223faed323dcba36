import type { TurnOutcome } from '@tapes/capture';
import type { SqlDialect } from './sql-dialect';
import type { TurnFacts } from './turn-facts';

const SESSION_COLUMNS = [
  'id',
  'name',
  'harness_id',
  'harness_version',
  'agent_name',
  'cwd',
  'parent_id',
  'metadata',
  'first_prompt',
  'started_at',
  'ended_at',
  'turn_count',
  'complete_count',
  'partial_count',
  'unreduced_count',
  'input_tokens',
  'output_tokens',
  'cache_write_tokens',
  'cache_read_tokens',
  'reasoning_tokens',
  'cost_usd',
] as const;

/**
 * The upsert that folds one newly stored turn into its session's row: counts and token totals
 * add up, the time span widens, the first prompt is the earliest main-thread turn's, and the
 * latest values of what can change (name, version, metadata) win. Written once for both backends;
 * `param` numbers the placeholders (PostgreSQL `$n::type`, SQLite `?`).
 */
export function sessionUpsert(
  d: SqlDialect,
  facts: TurnFacts & { sessionId: string },
  turn: { agentName?: string | undefined; outcome: TurnOutcome },
  param: (value: unknown, pgType: string) => string,
  /** When given, the row is inserted only if this SQL condition holds (a CTE of the one-statement write). */
  onlyIf?: string,
): string {
  const t = facts.tokens;
  const values = [
    param(facts.sessionId, 'text'),
    param(facts.session.name, 'text'),
    param(facts.harnessId, 'text'),
    param(facts.harnessVersion, 'text'),
    param(turn.agentName ?? null, 'text'),
    param(facts.session.cwd, 'text'),
    param(facts.session.parentId, 'text'),
    param(facts.session.metadataJson, 'text'),
    param(facts.session.firstPrompt, 'text'),
    param(facts.startedAt, 'timestamptz'),
    param(facts.endedAt, 'timestamptz'),
    '1',
    turn.outcome === 'complete' ? '1' : '0',
    turn.outcome === 'partial' ? '1' : '0',
    turn.outcome === 'unreduced' ? '1' : '0',
    param(t.input ?? 0, 'int4'),
    param(t.output ?? 0, 'int4'),
    param(t.cacheWrite ?? 0, 'int4'),
    param(t.cacheRead ?? 0, 'int4'),
    param(t.reasoning ?? 0, 'int4'),
    param(facts.costUsd, 'float8'),
  ];
  const add = (c: string) => `${c} = sessions.${c} + excluded.${c}`;
  const source = onlyIf === undefined ? `VALUES (${values.join(', ')})` : `SELECT ${values.join(', ')} WHERE ${onlyIf}`;
  return `INSERT INTO sessions (${SESSION_COLUMNS.join(', ')}) ${source}
    ON CONFLICT (id) DO UPDATE SET
      name = COALESCE(excluded.name, sessions.name),
      harness_id = COALESCE(sessions.harness_id, excluded.harness_id),
      harness_version = COALESCE(excluded.harness_version, sessions.harness_version),
      agent_name = COALESCE(sessions.agent_name, excluded.agent_name),
      cwd = COALESCE(sessions.cwd, excluded.cwd),
      parent_id = COALESCE(sessions.parent_id, excluded.parent_id),
      metadata = COALESCE(excluded.metadata, sessions.metadata),
      first_prompt = CASE WHEN excluded.first_prompt IS NOT NULL AND (sessions.first_prompt IS NULL OR excluded.started_at < sessions.started_at)
                          THEN excluded.first_prompt ELSE sessions.first_prompt END,
      started_at = ${d.least('sessions.started_at', 'excluded.started_at')},
      ended_at = ${d.greatest('sessions.ended_at', 'excluded.ended_at')},
      ${['turn_count', 'complete_count', 'partial_count', 'unreduced_count', 'input_tokens', 'output_tokens', 'cache_write_tokens', 'cache_read_tokens', 'reasoning_tokens'].map(add).join(',\n      ')},
      cost_usd = CASE WHEN excluded.cost_usd IS NULL THEN sessions.cost_usd ELSE COALESCE(sessions.cost_usd, 0) + excluded.cost_usd END`;
}
