import type { Node } from './node';

/** Thrown when a node cannot join the DAG; `code` says why. */
export class DagError extends Error {
  constructor(
    readonly code: 'parent_not_found' | 'second_root',
    message: string,
  ) {
    super(message);
    this.name = 'DagError';
  }
}

interface DagEntry {
  node: Node;
  children: string[];
}

/**
 * An in-memory conversation DAG with a single root (ref §2.6), for assembling and inspecting one
 * conversation tree. Adding a node twice is a no-op; a node's parent must be added first.
 */
export class Dag {
  private readonly index = new Map<string, DagEntry>();
  private rootHash: string | null = null;

  /** Adds `node`; returns the node held by the DAG (the existing one when the hash is known). */
  add(node: Node): Node {
    const existing = this.index.get(node.hash);
    if (existing) return existing.node;
    if (node.parent_hash === null) {
      if (this.rootHash !== null) throw new DagError('second_root', `DAG already has a root node ${this.rootHash}`);
      this.rootHash = node.hash;
    } else {
      const parent = this.index.get(node.parent_hash);
      if (!parent) throw new DagError('parent_not_found', `parent node ${node.parent_hash} not found in dag`);
      parent.children.push(node.hash);
    }
    this.index.set(node.hash, { node, children: [] });
    return node;
  }

  get root(): Node | undefined {
    return this.rootHash === null ? undefined : this.index.get(this.rootHash)?.node;
  }

  get size(): number {
    return this.index.size;
  }

  get(hash: string): Node | undefined {
    return this.index.get(hash)?.node;
  }

  children(hash: string): Node[] {
    return (this.index.get(hash)?.children ?? []).map((h) => this.mustGet(h));
  }

  /** Nodes with no children: the heads of the conversation's branches. */
  leaves(): Node[] {
    return [...this.index.values()].filter((e) => e.children.length === 0).map((e) => e.node);
  }

  /** `hash` first, the root last; empty when the hash is unknown. */
  ancestors(hash: string): Node[] {
    const chain: Node[] = [];
    let current = this.index.get(hash);
    while (current) {
      chain.push(current.node);
      current = current.node.parent_hash === null ? undefined : this.index.get(current.node.parent_hash);
    }
    return chain;
  }

  /**
   * Every node below `hash` (not including it), depth first. Unlike tapes' Go `Descendants`,
   * which walked from the root whatever it was given, this starts at the given node.
   */
  descendants(hash: string): Node[] {
    const out: Node[] = [];
    const stack = [...(this.index.get(hash)?.children ?? [])].reverse();
    while (stack.length > 0) {
      const entry = this.mustEntry(stack.pop() as string);
      out.push(entry.node);
      for (let i = entry.children.length - 1; i >= 0; i--) stack.push(entry.children[i] as string);
    }
    return out;
  }

  isBranching(hash: string): boolean {
    return (this.index.get(hash)?.children.length ?? 0) > 1;
  }

  /** Nodes with more than one child: where a conversation forked. */
  branchPoints(): Node[] {
    return [...this.index.values()].filter((e) => e.children.length > 1).map((e) => e.node);
  }

  /** Depth-first from the root; stops when `visit` returns false. */
  walk(visit: (node: Node, depth: number) => boolean | void): void {
    if (this.rootHash === null) return;
    const stack: Array<[string, number]> = [[this.rootHash, 0]];
    while (stack.length > 0) {
      const [hash, depth] = stack.pop() as [string, number];
      const entry = this.mustEntry(hash);
      if (visit(entry.node, depth) === false) return;
      for (let i = entry.children.length - 1; i >= 0; i--) stack.push([entry.children[i] as string, depth + 1]);
    }
  }

  private mustEntry(hash: string): DagEntry {
    const entry = this.index.get(hash);
    if (!entry) throw new Error(`dag index is missing ${hash}`); // unreachable: children are always indexed
    return entry;
  }

  private mustGet(hash: string): Node {
    return this.mustEntry(hash).node;
  }
}
