export { canonicalJson, toWellFormedJson } from './lib/canonical-json';
export { messageBucket, bucketText } from './lib/bucket';
export type { Bucket } from './lib/bucket';
export { hashInput, canonicalHashInput, computeHash, isNodeHash, HASH_PATTERN } from './lib/hash';
export { createNode } from './lib/node';
export type { Node, NodeMeta } from './lib/node';
export { Dag, DagError } from './lib/dag';
export { turnNodes } from './lib/turn-nodes';
export type { TurnContext } from './lib/turn-nodes';
