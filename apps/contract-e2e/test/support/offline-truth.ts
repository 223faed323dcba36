import { createDefaultReducers, deriveTurn, reduceBody, selectReducer, type TurnOutcome } from '@tapes/capture';
import type { Node } from '@tapes/merkle';
import type { TurnFixture } from '@tapes/testing';

const reducers = createDefaultReducers();

/** What every capture site must store for a turn: computed by libs/capture + libs/merkle alone. */
export interface OfflineTurn {
  outcome: TurnOutcome;
  /** Root first; the last one is the head (the response node). Empty for an unreduced turn. */
  nodes: Node[];
  /** Diagnostic codes of the reduction, sorted. */
  diagnostics: string[];
}

/**
 * The offline truth for a fixture turn: its response bytes (not content-encoded) reduced by the
 * reducer of its endpoint, its request parsed, nodes built for `agentName` — no app involved.
 */
export function offlineTurn(fixture: TurnFixture, plainResponse: Buffer, agentName: string): OfflineTurn {
  const reducer = selectReducer(reducers, { path: fixture.path });
  if (!reducer) throw new Error(`no reducer serves ${fixture.path}`);
  const response = reduceBody(reducer, plainResponse, { contentType: fixture.contentType || undefined });
  const derived = deriveTurn({ reducer, request: { document: fixture.request }, response, agentName, path: fixture.path });
  return { outcome: derived.outcome, nodes: derived.nodes, diagnostics: derived.diagnostics.map((d) => d.code).sort() };
}

/** The parts of a node that identify it and that every site must store alike (not created_at). */
export function nodeIdentity(node: Node): Pick<Node, 'hash' | 'parent_hash' | 'bucket' | 'stop_reason' | 'usage'> {
  return { hash: node.hash, parent_hash: node.parent_hash, bucket: node.bucket, stop_reason: node.stop_reason, usage: node.usage };
}
