import type { SqlDialect } from './sql-dialect';

interface Tx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/**
 * Deletes one session inside the caller's transaction (#14): its turns (their search text goes
 * with them), its row, and every node no remaining turn still reaches.
 *
 * Nodes are shared — dedup means another session's history may run through the same messages —
 * so a node of the deleted session's chains survives when the head of any remaining turn lies at
 * or below it. Found without scanning the DAG: from the deleted chains' nodes (the candidates)
 * walk down to the heads of remaining turns, then back up from those heads; what that walk meets
 * stays, the other candidates go.
 */
export async function deleteSessionIn(tx: Tx, d: SqlDialect, sessionId: string): Promise<{ turns: number; nodes: number } | null> {
  const exists = await tx.$queryRawUnsafe<{ n: number | bigint }[]>(
    `SELECT (SELECT COUNT(*) FROM sessions WHERE id = ${d.param(1)}) + (SELECT COUNT(*) FROM turns WHERE session_id = ${d.param(2)}) AS n`,
    sessionId,
    sessionId,
  );
  if (Number(exists[0]?.n ?? 0) === 0) return null;

  const candidates = await tx.$queryRawUnsafe<{ hash: string }[]>(
    `WITH RECURSIVE chain(hash) AS (
       SELECT head_hash FROM turns WHERE session_id = ${d.param(1)} AND head_hash IS NOT NULL
       UNION
       SELECT n.parent_hash FROM chain c JOIN nodes n ON n.hash = c.hash WHERE n.parent_hash IS NOT NULL)
     SELECT hash FROM chain`,
    sessionId,
  );
  const turnIds = (await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM turns WHERE session_id = ${d.param(1)}`, sessionId)).map((r) => r.id);
  await tx.$executeRawUnsafe(`DELETE FROM turns WHERE session_id = ${d.param(1)}`, sessionId);
  await tx.$executeRawUnsafe(`DELETE FROM sessions WHERE id = ${d.param(1)}`, sessionId);

  let deletedNodes = 0;
  if (candidates.length > 0) {
    const cand = JSON.stringify(candidates.map((c) => c.hash));
    const keep = await tx.$queryRawUnsafe<{ hash: string }[]>(
      `WITH RECURSIVE
         cand(hash) AS (SELECT value FROM ${d.jsonArray(1)}),
         below(hash) AS (SELECT hash FROM cand UNION SELECT n.hash FROM below b JOIN nodes n ON n.parent_hash = b.hash),
         live(hash) AS (
           SELECT t.head_hash FROM turns t JOIN below b ON t.head_hash = b.hash
           UNION
           SELECT n.parent_hash FROM live l JOIN nodes n ON n.hash = l.hash WHERE n.parent_hash IS NOT NULL)
       SELECT l.hash FROM live l JOIN cand c ON c.hash = l.hash`,
      cand,
    );
    const kept = new Set(keep.map((k) => k.hash));
    const doomed = candidates.map((c) => c.hash).filter((h) => !kept.has(h));
    // In slices: a JSON parameter each, far below any statement limit.
    for (let at = 0; at < doomed.length; at += 5_000) {
      deletedNodes += await tx.$executeRawUnsafe(`DELETE FROM nodes WHERE hash IN (SELECT value FROM ${d.jsonArray(1)})`, JSON.stringify(doomed.slice(at, at + 5_000)));
    }
  }
  // Nodes that stay no longer name a deleted turn as the one that stored them.
  if (turnIds.length > 0) await tx.$executeRawUnsafe(`UPDATE nodes SET turn_id = NULL WHERE turn_id IN (SELECT value FROM ${d.jsonArray(1)})`, JSON.stringify(turnIds));
  return { turns: turnIds.length, nodes: deletedNodes };
}
