import { createHash } from 'node:crypto';
import type { ContentBlock } from '@tapes/llm';
import type { Bucket } from './bucket';
import { canonicalJson, toWellFormedJson } from './canonical-json';

/**
 * The exact object tapes hashes for a node: `{"parent": <hash or "">, "content": <bucket>}` with
 * Go `encoding/json/v2` field presence (ref §2.3 step 3):
 *  - `type`, `role`, `content`, `model`, `provider` are always present; absent content is `[]`;
 *  - `omitempty` drops only values that encode as `""`, `{}`, `[]` or `null`: empty strings and an
 *    empty `tool_input` go, but `is_error: false` stays on every block. Dropping it (json v1
 *    semantics) is the classic way to get every hash wrong.
 */
export function hashInput(bucket: Bucket, parentHash: string | null | undefined): Record<string, unknown> {
  const content: Record<string, unknown> = {
    type: bucket.type ?? '',
    role: bucket.role ?? '',
    content: (bucket.content ?? []).map(blockHashInput),
    model: bucket.model ?? '',
    provider: bucket.provider ?? '',
  };
  if (bucket.agent_name) content['agent_name'] = bucket.agent_name;
  return { parent: parentHash ?? '', content };
}

const OMIT_EMPTY_STRINGS = [
  'text',
  'image_url',
  'image_base64',
  'media_type',
  'tool_use_id',
  'tool_name',
  'tool_result_id',
  'tool_output',
  'thinking',
  'thinking_signature',
] as const satisfies readonly (keyof ContentBlock)[];

function blockHashInput(block: ContentBlock): Record<string, unknown> {
  const out: Record<string, unknown> = { type: block.type ?? '', is_error: block.is_error === true };
  for (const key of OMIT_EMPTY_STRINGS) {
    const v = block[key];
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  if (isNonEmptyObject(block.tool_input)) out['tool_input'] = block.tool_input;
  if (isNonEmptyObject(block.data)) out['data'] = block.data;
  if (Array.isArray(block.citations) && block.citations.length > 0) out['citations'] = block.citations;
  return out;
}

function isNonEmptyObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
}

/** The canonical (RFC 8785) text that is hashed; exposed for debugging and the vector tests. */
export function canonicalHashInput(bucket: Bucket, parentHash: string | null | undefined): string {
  return canonicalJson(toWellFormedJson(hashInput(bucket, parentHash)));
}

/** SHA-256, lowercase hex, of the canonical hash input (ref §2.3 step 5). */
export function computeHash(bucket: Bucket, parentHash: string | null | undefined): string {
  return createHash('sha256').update(canonicalHashInput(bucket, parentHash), 'utf8').digest('hex');
}

export const HASH_PATTERN = /^[a-f0-9]{64}$/;

export function isNodeHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}
