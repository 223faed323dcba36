import type { SqlDialect } from './sql-dialect';
import { formatMicros, type Micros } from './micro-clock';
import type { ValidatedTurn } from './validate-turn';

interface Tx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

const NODE_COLUMNS = ['hash', 'parent_hash', 'type', 'role', 'content', 'model', 'provider', 'agent_name', 'stop_reason', 'usage', 'project', 'turn_id'];

/** Nodes per multi-row INSERT: 13 parameters each, far below either database's parameter cap. */
const INSERT_CHUNK = 500;

/**
 * Writes a validated turn's nodes inside the caller's transaction (storeTurn, rederiveTurn): each
 * insert-or-ignore by hash, so a node that exists keeps its first writer's metadata and turn id;
 * the new ones name `turnId`. Returns the hashes this call created.
 *
 * A node that already existed keeps its metadata (first writer wins), except that missing usage or
 * stop_reason is filled in: when turn N+1 replays turn N's response before turn N is stored, the
 * replayed copy carries no usage, and turn N's own write must not lose it (ref §9.3).
 */
export async function insertNodes(tx: Tx, d: SqlDialect, valid: ValidatedTurn, turnId: string, clock: () => Micros): Promise<Set<string>> {
  const nodes = valid.turn.nodes;
  const created = new Set<string>();
  for (let start = 0; start < nodes.length; start += INSERT_CHUNK) {
    const chunk = nodes.slice(start, start + INSERT_CHUNK);
    const params: unknown[] = [];
    const rows = chunk.map((node, j) => {
      const b = node.bucket;
      params.push(
        node.hash,
        node.parent_hash,
        b.type,
        b.role,
        valid.contentJson[start + j],
        b.model,
        b.provider,
        b.agent_name || null,
        node.stop_reason || null,
        node.usage ? JSON.stringify(node.usage) : null,
        node.project || null,
        turnId,
        // Increasing per node: a turn's nodes sort root first even within one transaction.
        formatMicros(clock()),
      );
      const base = params.length - 13;
      const values = NODE_COLUMNS.map((_, k) => d.param(base + k + 1));
      values.push(d.timestamp(base + 13));
      return `(${values.join(', ')})`;
    });
    // RETURNING lists only the rows actually inserted (ON CONFLICT DO NOTHING skips the others).
    const inserted = await tx.$queryRawUnsafe<{ hash: string }[]>(
      `INSERT INTO nodes (${NODE_COLUMNS.join(', ')}, created_at) VALUES ${rows.join(', ')} ON CONFLICT (hash) DO NOTHING RETURNING hash`,
      ...params,
    );
    for (const row of inserted) created.add(row.hash);
  }
  for (const node of nodes) {
    if ((!node.usage && !node.stop_reason) || created.has(node.hash)) continue;
    await tx.$executeRawUnsafe(
      `UPDATE nodes SET usage = COALESCE(usage, ${d.param(1)}), stop_reason = COALESCE(stop_reason, ${d.param(2)})
        WHERE hash = ${d.param(3)} AND (usage IS NULL OR stop_reason IS NULL)`,
      node.usage ? JSON.stringify(node.usage) : null,
      node.stop_reason || null,
      node.hash,
    );
  }
  return created;
}
