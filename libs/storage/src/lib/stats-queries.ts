import type { SqlDialect } from './sql-dialect';
import type { Queryable } from './session-queries';
import type { Stats, StatsRow } from './turn-store';

interface StatsDbRow {
  key: string | null;
  turns: number | bigint;
  input: number | bigint | null;
  output: number | bigint | null;
  cache_write: number | bigint | null;
  cache_read: number | bigint | null;
  reasoning: number | bigint | null;
  cost: number | null;
}

/** Turns, tokens and cost grouped four ways over a time window (#14): by UTC day, model, agent, harness. */
export async function statsOf(db: Queryable, d: SqlDialect, options: { since?: Date; until?: Date }): Promise<Stats> {
  const day = d.backend === 'postgresql' ? `to_char(t.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : `substr(CAST(t.started_at AS TEXT), 1, 10)`;
  const by = async (key: string): Promise<StatsRow[]> => {
    const params: unknown[] = [];
    const where: string[] = ['t.started_at IS NOT NULL'];
    if (options.since) {
      params.push(options.since.toISOString());
      where.push(`t.started_at >= ${d.backend === 'postgresql' ? `$${params.length}::timestamptz` : '?'}`);
    }
    if (options.until) {
      params.push(options.until.toISOString());
      where.push(`t.started_at <= ${d.backend === 'postgresql' ? `$${params.length}::timestamptz` : '?'}`);
    }
    const rows = await db.$queryRawUnsafe<StatsDbRow[]>(
      `SELECT ${key} AS key, COUNT(*) AS turns, SUM(t.input_tokens) AS input, SUM(t.output_tokens) AS output,
              SUM(t.cache_write_tokens) AS cache_write, SUM(t.cache_read_tokens) AS cache_read, SUM(t.reasoning_tokens) AS reasoning,
              SUM(t.cost_usd) AS cost
         FROM turns t WHERE ${where.join(' AND ')} GROUP BY ${key} ORDER BY ${key === day ? 'key' : 'turns DESC, key'}`,
      ...params,
    );
    return rows.map((r) => ({
      key: r.key ?? 'unknown',
      turns: Number(r.turns),
      tokens: { input: Number(r.input ?? 0), output: Number(r.output ?? 0), cacheWrite: Number(r.cache_write ?? 0), cacheRead: Number(r.cache_read ?? 0), reasoning: Number(r.reasoning ?? 0) },
      costUsd: r.cost === null ? null : Number(r.cost),
    }));
  };
  return { byDay: await by(day), byModel: await by('t.model'), byAgent: await by('t.agent_name'), byHarness: await by('t.harness_id') };
}
