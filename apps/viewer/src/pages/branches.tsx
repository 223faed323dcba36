import { useMemo } from 'preact/hooks';
import { getJson } from '../api/client';
import type { SessionDagJson } from '../api/types';
import { truncate } from '../lib/format';
import { href } from '../lib/router';
import { useAsync } from '../lib/use-async';

type DagNode = SessionDagJson['nodes'][number];

/** A node worth drawing: a root, a fork, a branch's first message, a head or a leaf. Straight runs between them are one edge. */
export interface DrawnNode {
  node: DagNode;
  /** The drawn node above it (null for a root). */
  parent: string | null;
  /** Messages hidden on the edge from the parent. */
  skipped: number;
  x: number;
  y: number;
  onHead: boolean;
  isHead: boolean;
  isFork: boolean;
}

/**
 * The session's DAG, with straight runs folded: what a person needs to see is where the
 * conversation forked and which branch it went on with, not 4,000 dots in a line.
 */
export function layoutDag(dag: SessionDagJson): DrawnNode[] {
  const byHash = new Map(dag.nodes.map((n) => [n.hash, n]));
  const children = new Map<string, DagNode[]>();
  for (const n of dag.nodes) if (n.parent_hash && byHash.has(n.parent_hash)) children.set(n.parent_hash, [...(children.get(n.parent_hash) ?? []), n]);
  const forks = new Set(dag.forks);
  const heads = new Set(dag.heads.map((h) => h.hash));
  // The path from each thread's root to its head: drawn first (leftmost) and highlighted.
  const onHead = new Set<string>();
  for (const h of dag.heads) for (let n = byHash.get(h.hash); n; n = n.parent_hash ? byHash.get(n.parent_hash) : undefined) onHead.add(n.hash);
  const keep = (n: DagNode) => !n.parent_hash || !byHash.has(n.parent_hash) || forks.has(n.hash) || forks.has(n.parent_hash) || heads.has(n.hash) || !(children.get(n.hash)?.length ?? 0);

  const drawn: DrawnNode[] = [];
  let lane = 0;
  const roots = dag.nodes.filter((n) => !n.parent_hash || !byHash.has(n.parent_hash));
  // Main thread first, then subagents; within, the head branch first.
  roots.sort((a, b) => Number(a.thread_id !== '') - Number(b.thread_id !== ''));
  const visit = (start: DagNode, parent: string | null, y: number) => {
    // Walk down the straight run to the next node worth drawing.
    let node = start;
    let skipped = 0;
    while (!keep(node)) {
      const next = children.get(node.hash)?.[0];
      if (!next) break;
      node = next;
      skipped += 1;
    }
    const kids = [...(children.get(node.hash) ?? [])].sort((a, b) => Number(onHead.has(b.hash)) - Number(onHead.has(a.hash)) || a.created_at.localeCompare(b.created_at));
    const me: DrawnNode = { node, parent, skipped, x: lane, y, onHead: onHead.has(node.hash), isHead: heads.has(node.hash), isFork: forks.has(node.hash) };
    drawn.push(me);
    kids.forEach((kid, i) => {
      if (i > 0) lane += 1;
      visit(kid, node.hash, y + 1);
    });
  };
  for (const root of roots) {
    visit(root, null, 0);
    lane += 1;
  }
  return drawn;
}

const COL = 280;
const ROW = 64;

export function Branches({ sessionId, version }: { sessionId: string; version: number }) {
  const dag = useAsync((signal) => getJson<SessionDagJson>(`sessions/${encodeURIComponent(sessionId)}/dag`, {}, signal), [sessionId, version]);
  const drawn = useMemo(() => (dag.value ? layoutDag(dag.value) : []), [dag.value]);
  if (dag.state === 'error') return <div class="error-box">Could not load the branches: {dag.error.message}</div>;
  if (!dag.value) return <div class="muted loading">loading branches…</div>;
  const d = dag.value;
  const at = new Map(drawn.map((n) => [n.node.hash, n]));
  const width = (Math.max(0, ...drawn.map((n) => n.x)) + 1) * COL + 40;
  const height = (Math.max(0, ...drawn.map((n) => n.y)) + 1) * ROW + 20;
  const link = (n: DagNode) => href(['sessions', sessionId], { thread: n.thread_id ?? '', at: n.hash });
  return (
    <div class="branches">
      <p class="muted">
        {d.nodes.length} messages, {d.forks.length === 0 ? 'no fork: one straight conversation per thread' : `${d.forks.length} fork${d.forks.length === 1 ? '' : 's'}`}. Straight runs are folded; the head branch of each thread is
        highlighted. Click a message to read the conversation up to it.
        {!d.complete && ' Part of the DAG is not drawn (a missing parent, or a very large session).'}
      </p>
      <div class="dag-scroll">
        <svg class="dag" width={width} height={height} role="img" aria-label="conversation branches">
          {drawn.map((n) => {
            const p = n.parent ? at.get(n.parent) : undefined;
            if (!p) return null;
            const x1 = p.x * COL + 20;
            const y1 = p.y * ROW + 20;
            const x2 = n.x * COL + 20;
            const y2 = n.y * ROW + 20;
            return (
              <g key={`e${n.node.hash}`} class={`edge${n.onHead ? ' head' : ''}`}>
                <path d={`M${x1},${y1} C${x1},${y2 - ROW / 2} ${x2},${y1 + ROW / 2} ${x2},${y2}`} />
                {n.skipped > 0 && (
                  <text x={x2 + 8} y={y2 - ROW / 2 + 4} class="skipped">
                    … {n.skipped} message{n.skipped === 1 ? '' : 's'}
                  </text>
                )}
              </g>
            );
          })}
          {drawn.map((n) => (
            <a key={n.node.hash} href={link(n.node)} class={`dag-node ${n.node.role}${n.onHead ? ' on-head' : ''}${n.isHead ? ' head' : ''}${n.isFork ? ' fork' : ''}`} data-hash={n.node.hash}>
              <title>{`${n.node.role}: ${n.node.preview}`}</title>
              <circle cx={n.x * COL + 20} cy={n.y * ROW + 20} r={n.isFork || n.isHead ? 8 : 6} />
              <text x={n.x * COL + 34} y={n.y * ROW + 24}>
                {n.isHead ? '◆ head · ' : n.isFork ? 'fork · ' : ''}
                {n.node.thread_id && n.parent === null ? `[${n.node.thread_id}] ` : ''}
                {truncate(n.node.preview || n.node.block_types.join(', ') || n.node.role, 26)}
              </text>
            </a>
          ))}
        </svg>
      </div>
      {d.forks.length > 0 && (
        <ul class="fork-list" aria-label="forks">
          {d.forks.map((hash) => {
            const n = d.nodes.find((x) => x.hash === hash);
            const branches = d.nodes.filter((x) => x.parent_hash === hash);
            return n ? (
              <li key={hash}>
                forked after <a href={link(n)}>{n.role}: “{truncate(n.preview, 80)}”</a> into {branches.length} branches:{' '}
                {branches.map((b, i) => (
                  <span key={b.hash}>
                    {i > 0 && ', '}
                    <a href={link(b)}>{truncate(b.preview || b.role, 40)}</a>
                  </span>
                ))}
              </li>
            ) : null;
          })}
        </ul>
      )}
    </div>
  );
}
