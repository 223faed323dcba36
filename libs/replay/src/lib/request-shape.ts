import { createHash } from 'node:crypto';
import { canonicalJson } from '@tapes/merkle';

/**
 * What a replay compares of a request (docs/replay.md "Matching"): the API endpoint and the JSON
 * body, minus what an agent changes from run to run without changing the question. Headers are
 * never compared (client request ids, SDK versions, session headers, credentials all live there).
 *
 * Volatile body fields, by API (a dotted path; removed before hashing):
 */
export const VOLATILE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // Claude Code puts the account and session id in metadata.user_id: new every run.
  'anthropic.messages': ['metadata.user_id'],
  // `user` / `safety_identifier` / `metadata` identify the caller; `stream_options` is SDK plumbing
  // (include_usage) that only adds a usage chunk; `prompt_cache_key` a cache hint.
  'openai.chat_completions': ['user', 'safety_identifier', 'metadata', 'stream_options', 'prompt_cache_key'],
  // Codex sends its conversation id as prompt_cache_key: new every run.
  'openai.responses': ['prompt_cache_key', 'user', 'safety_identifier', 'metadata'],
  // How long the server keeps the model loaded: no bearing on the answer.
  'ollama.chat': ['keep_alive'],
  'gemini.generate_content': [],
};

/**
 * Removed wherever it occurs: Anthropic prompt-cache breakpoints (`cache_control`), which Claude
 * Code moves to the newest messages on every turn; they change billing, never the answer.
 */
export const VOLATILE_ANYWHERE: readonly string[] = ['cache_control'];

/**
 * The conversation field of each API: the loose match compares only it and the model, for agents
 * whose system prompt carries the date, the git status or the working directory (Claude Code,
 * Codex), which differ on any later run.
 */
export const CONVERSATION_FIELD: Readonly<Record<string, string>> = {
  'anthropic.messages': 'messages',
  'openai.chat_completions': 'messages',
  'openai.responses': 'input',
  'ollama.chat': 'messages',
  'gemini.generate_content': 'contents',
};

/** A request reduced to what a replay compares. */
export interface RequestShape {
  /** The API, when the path is a turn endpoint this build knows. */
  api: string | undefined;
  /** The endpoint path without query and trailing slash (`/v1/messages`). */
  endpoint: string;
  /** The body JSON without its volatile fields; undefined when the body is not JSON. */
  body: unknown;
  /** SHA-256 of endpoint + normalised body (or of the raw bytes when not JSON). */
  strictKey: string;
  /** SHA-256 of endpoint + model + conversation; undefined when there is no conversation field. */
  looseKey: string | undefined;
}

export function requestShape(input: { api: string | undefined; endpoint: string; body: Uint8Array }): RequestShape {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(input.body).toString('utf8'));
  } catch {
    document = undefined;
  }
  const body = document === undefined ? undefined : withoutVolatile(document, input.api);
  const strictKey = sha256(canonicalJson({ endpoint: input.endpoint, body: body ?? { bytes: sha256Bytes(input.body) } }));
  const field = input.api ? CONVERSATION_FIELD[input.api] : undefined;
  const record = isRecord(body) ? body : undefined;
  const looseKey = field && record && record[field] !== undefined ? sha256(canonicalJson({ endpoint: input.endpoint, model: record['model'] ?? null, conversation: record[field] })) : undefined;
  return { api: input.api, endpoint: input.endpoint, body, strictKey, looseKey };
}

/** A deep copy of `document` without the API's volatile fields. */
export function withoutVolatile(document: unknown, api: string | undefined): unknown {
  const copy = strip(document);
  if (isRecord(copy)) for (const field of (api && VOLATILE_FIELDS[api]) || []) removePath(copy, field.split('.'));
  return copy;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (!VOLATILE_ANYWHERE.includes(key)) out[key] = strip(v);
  return out;
}

function removePath(target: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in target)) return;
  if (rest.length === 0) {
    delete target[head];
    return;
  }
  const next = target[head];
  if (isRecord(next)) {
    removePath(next, rest);
    // An object emptied by the removal (metadata: { user_id }) is as absent as the field was.
    if (Object.keys(next).length === 0) delete target[head];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
