import type { StoredNode, TurnStore, TurnSummary } from '@tapes/storage';
import type { z } from 'zod';
import type { dagNodeSchema, sessionDagSchema } from './api-schemas';

export type SessionDagJson = z.output<typeof sessionDagSchema>;
type DagNodeJson = z.output<typeof dagNodeSchema>;

/** A session bigger than this is drawn in part (`complete: false`) rather than answered slowly. */
export const SESSION_DAG_NODE_CAP = 50_000;
const PREVIEW_CHARS = 160;

/**
 * A session's part of the DAG (#15, the viewer's Branches view): every node its turns reach, with
 * parents, where it forked and each thread's head. Built from the store's ancestry walk, one turn
 * at a time and stopping at the first node already seen, so a long linear session costs about one
 * short walk per turn instead of one full-depth walk each (walks start at 8 nodes and grow when a
 * turn brought more).
 */
export async function sessionDag(store: TurnStore, sessionId: string, turns: TurnSummary[]): Promise<SessionDagJson> {
  const nodes = new Map<string, StoredNode>();
  let complete = true;
  for (const turn of turns) {
    let next = turn.headHash;
    let limit = 8;
    while (next && !nodes.has(next)) {
      if (nodes.size >= SESSION_DAG_NODE_CAP) {
        complete = false;
        break;
      }
      const chain = await store.ancestry(next, { limit });
      if (!chain) {
        complete = false;
        break;
      }
      let metKnown = false;
      for (const node of chain.nodes) {
        if (nodes.has(node.hash)) {
          metKnown = true;
          break;
        }
        nodes.set(node.hash, node);
      }
      if (metKnown || chain.complete) break;
      if (!chain.truncated) {
        complete = false; // a missing parent (or a cycle): the chain dangles
        break;
      }
      next = chain.nodes.at(-1)?.parent_hash ?? null;
      limit = Math.min(limit * 4, 2_048);
    }
  }

  const threadOfTurn = new Map(turns.map((t) => [t.id, t.threadId]));
  const children = new Map<string, number>();
  for (const node of nodes.values()) if (node.parent_hash && nodes.has(node.parent_hash)) children.set(node.parent_hash, (children.get(node.parent_hash) ?? 0) + 1);

  const heads = new Map<string, string>();
  for (const turn of turns) if (turn.headHash && nodes.has(turn.headHash)) heads.set(turn.threadId, turn.headHash);
  const threadOrder = [...heads.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : 0));

  return {
    session_id: sessionId,
    nodes: byDepth(nodes).map((node) => dagNode(node, threadOfTurn)),
    turns: turns.map((t) => ({ id: t.id, thread_id: t.threadId, head_hash: t.headHash, outcome: t.outcome, started_at: t.startedAt })),
    heads: threadOrder.map((thread) => ({ thread_id: thread, hash: heads.get(thread) as string })),
    forks: [...children].filter(([, n]) => n > 1).map(([hash]) => hash),
    complete,
  };
}

/** Parents before children: by depth from the node's first stored ancestor, then by age. */
function byDepth(nodes: Map<string, StoredNode>): StoredNode[] {
  const depth = new Map<string, number>();
  for (const start of nodes.values()) {
    // Iterative: a 4,000-message thread would overflow a recursive walk.
    const path: StoredNode[] = [];
    let node: StoredNode | undefined = start;
    while (node && !depth.has(node.hash)) {
      path.push(node);
      node = node.parent_hash ? nodes.get(node.parent_hash) : undefined;
    }
    let d = node ? (depth.get(node.hash) as number) : -1;
    for (let i = path.length - 1; i >= 0; i--) depth.set((path[i] as StoredNode).hash, ++d);
  }
  return [...nodes.values()].sort((a, b) => (depth.get(a.hash) as number) - (depth.get(b.hash) as number) || a.created_at.localeCompare(b.created_at) || a.hash.localeCompare(b.hash));
}

function dagNode(node: StoredNode, threadOfTurn: Map<string, string>): DagNodeJson {
  const turnId = node.turn_id && threadOfTurn.has(node.turn_id) ? node.turn_id : null;
  return {
    hash: node.hash,
    parent_hash: node.parent_hash,
    role: node.bucket.role,
    block_types: node.bucket.content.map((b) => b.type),
    preview: preview(node),
    turn_id: turnId,
    thread_id: turnId === null ? null : (threadOfTurn.get(turnId) ?? null),
    created_at: node.created_at,
  };
}

function preview(node: StoredNode): string {
  const parts: string[] = [];
  for (const block of node.bucket.content) {
    if (block.text) parts.push(block.text);
    else if (block.tool_name) parts.push(`${block.tool_name}(…)`);
    else if (block.tool_output) parts.push(`→ ${block.tool_output}`);
    else if (block.type === 'thinking') parts.push('(thinking)');
    else if (block.type === 'image') parts.push('(image)');
    if (parts.join(' ').length >= PREVIEW_CHARS) break;
  }
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
