import type { Bucket } from './bucket';
import { Dag, DagError } from './dag';
import { createNode, type Node } from './node';

const b = (text: string): Bucket => ({ type: 'message', role: 'user', content: [{ type: 'text', text }], model: 'm', provider: 'p' });

/**
 *        root
 *        /  \
 *       a    x
 *      / \
 *     b   c
 *     |
 *     d
 */
function tree() {
  const root = createNode(b('root'), null);
  const a = createNode(b('a'), root);
  const x = createNode(b('x'), root);
  const bb = createNode(b('b'), a);
  const c = createNode(b('c'), a);
  const d = createNode(b('d'), bb);
  const dag = new Dag();
  for (const n of [root, a, x, bb, c, d]) dag.add(n);
  return { dag, root, a, x, b: bb, c, d };
}

const hashes = (nodes: Node[]) => nodes.map((n) => n.hash).sort();

describe('Dag', () => {
  it('adds, gets and counts nodes; adding a known hash is a no-op returning the held node', () => {
    const { dag, a } = tree();
    expect(dag.size).toBe(6);
    expect(dag.get(a.hash)).toBe(a);
    expect(dag.add({ ...a })).toBe(a);
    expect(dag.size).toBe(6);
  });

  it('refuses a second root and a node whose parent is unknown', () => {
    const { dag } = tree();
    expect(() => dag.add(createNode(b('other root'), null))).toThrow(DagError);
    expect(() => dag.add(createNode(b('orphan'), 'f'.repeat(64)))).toThrow(/parent node f+ not found/);
  });

  it('lists leaves and branch points', () => {
    const { dag, x, c, d, root, a } = tree();
    expect(hashes(dag.leaves())).toEqual(hashes([x, c, d]));
    expect(hashes(dag.branchPoints())).toEqual(hashes([root, a]));
    expect(dag.isBranching(a.hash)).toBe(true);
    expect(dag.isBranching(x.hash)).toBe(false);
  });

  it('walks ancestors from the node to the root', () => {
    const { dag, d, b: bb, a, root } = tree();
    expect(dag.ancestors(d.hash).map((n) => n.hash)).toEqual([d.hash, bb.hash, a.hash, root.hash]);
    expect(dag.ancestors('0'.repeat(64))).toEqual([]);
  });

  it('lists the descendants of the given node, not of the root (the Go Descendants bug)', () => {
    const { dag, a, b: bb, c, d, root, x } = tree();
    expect(hashes(dag.descendants(a.hash))).toEqual(hashes([bb, c, d]));
    expect(dag.descendants(d.hash)).toEqual([]);
    expect(hashes(dag.descendants(root.hash))).toEqual(hashes([a, x, bb, c, d]));
  });

  it('walks depth first from the root and stops when asked', () => {
    const { dag, root, a, b: bb, d } = tree();
    const seen: Array<[string, number]> = [];
    dag.walk((n, depth) => {
      seen.push([n.hash, depth]);
      return seen.length < 4;
    });
    expect(seen).toEqual([
      [root.hash, 0],
      [a.hash, 1],
      [bb.hash, 2],
      [d.hash, 3],
    ]);
  });
});
