import type { Usage } from '@tapes/llm';
import type { Bucket } from './bucket';
import { computeHash } from './hash';

/** Stored with a node but not part of its hash (Go `NodeOptions`). */
export interface NodeMeta {
  stop_reason?: string;
  usage?: Usage;
  project?: string;
}

/** A node of the conversation DAG (ref §2.2). */
export interface Node extends NodeMeta {
  hash: string;
  /** `null` for a root. */
  parent_hash: string | null;
  bucket: Bucket;
  /** Set by storage when the node is first written (ISO 8601). */
  created_at?: string;
}

/** Builds a node under `parent` (or a root when `parent` is null) and computes its hash. */
export function createNode(bucket: Bucket, parent: Pick<Node, 'hash'> | string | null, meta: NodeMeta = {}): Node {
  const parentHash = typeof parent === 'string' ? parent : (parent?.hash ?? null);
  const node: Node = { hash: computeHash(bucket, parentHash), parent_hash: parentHash, bucket };
  if (meta.stop_reason) node.stop_reason = meta.stop_reason;
  if (meta.usage) node.usage = meta.usage;
  if (meta.project) node.project = meta.project;
  return node;
}
