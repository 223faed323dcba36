/**
 * The read API's JSON, typed by the read API itself (libs/read-api's zod schemas): type-only
 * imports, so nothing of the server is bundled and the viewer cannot drift from the contract.
 */
import type { nodeSchema } from '@tapes/read-api';
import type { z } from 'zod';

export type {
  PageJson,
  SearchHitJson,
  SessionDagJson,
  SessionDetailJson,
  SessionJson,
  StatsJson,
  ThreadJson,
  TokensJson,
  TurnDecodedJson,
  TurnDetailJson,
  TurnStoredEvent,
  TurnSummaryJson,
} from '@tapes/read-api';

export type NodeJson = z.output<typeof nodeSchema>;
export type ContentBlockJson = NodeJson['bucket']['content'][number];

export interface AncestryJson {
  head: string;
  depth: number;
  complete: boolean;
  missing_parent?: string;
  nodes: NodeJson[];
}

export interface DeletedJson {
  deleted: { session_id: string; turns: number; nodes: number };
}
