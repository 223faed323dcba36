import { sessionIdOf, type TurnRecord } from '@tapes/capture';
import { formatMicros } from './micro-clock';
import { InvalidTurnError } from './errors';

/** The longest first-prompt preview a session keeps (what a list shows when it has no name). */
const FIRST_PROMPT_CHARS = 300;
/** Searchable text kept per turn: beyond it a turn's text is cut (the raw bytes stay whole). */
const MAX_TURN_TEXT_CHARS = 1_000_000;

/** The per-turn session columns, the session row's share, and the search text, ready to write (#14). */
export interface TurnFacts {
  sessionId: string | null;
  threadId: string;
  harnessId: string | null;
  harnessVersion: string | null;
  sessionEnvelopeJson: string | null;
  model: string | null;
  tokens: { input: number | null; output: number | null; cacheWrite: number | null; cacheRead: number | null; reasoning: number | null };
  costUsd: number | null;
  priceVersion: string | null;
  /** The session row's facts from this turn. */
  session: { name: string | null; cwd: string | null; parentId: string | null; metadataJson: string | null; firstPrompt: string | null };
  /** When the session began and last moved, as far as this turn says: fixed-width ISO text with microseconds. */
  startedAt: string;
  endedAt: string;
  /** The searchable text of each node (same order as the turn's nodes); NULs replaced, PostgreSQL text cannot hold them. */
  nodeText: string[];
}

/**
 * Derives what the store writes about a turn's session from the record capture produced: a session
 * id (the harness's, else `root:<first node hash>`), the usage columns, the cost, the first-prompt
 * preview (the main thread's first user message) and the search text. Throws InvalidTurnError for
 * malformed facts, before anything is written.
 */
export function turnFacts(turn: TurnRecord, limits: { maxStringLength: number }, now: () => Date): TurnFacts {
  const session = turn.session;
  const firstNode = turn.nodes[0];
  const sessionId = sessionIdOf(turn) ?? null;
  checkString(sessionId, 'session.id', limits.maxStringLength);
  checkString(session?.threadId, 'session.threadId', limits.maxStringLength);
  checkString(session?.harnessId, 'session.harnessId', limits.maxStringLength);
  checkString(session?.harnessVersion, 'session.harnessVersion', limits.maxStringLength);
  checkString(session?.parentSessionId, 'session.parentSessionId', limits.maxStringLength);
  checkString(session?.name, 'session.name', limits.maxStringLength);
  checkString(session?.cwd, 'session.cwd', 4 * limits.maxStringLength);
  if (turn.model !== undefined && typeof turn.model !== 'string') throw new InvalidTurnError('invalid_field', 'model must be a string', 'model');
  const usage = turn.usage ?? {};
  for (const [k, v] of Object.entries(usage)) {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new InvalidTurnError('invalid_field', `usage.${k} must be a non-negative finite number`, `usage.${k}`);
  }
  if (turn.cost !== undefined && !(Number.isFinite(turn.cost.usd) && turn.cost.usd >= 0 && typeof turn.cost.priceVersion === 'string')) {
    throw new InvalidTurnError('invalid_field', 'cost must be { usd: a non-negative number, priceVersion: string }', 'cost');
  }
  if (turn.nodeText !== undefined && (!Array.isArray(turn.nodeText) || turn.nodeText.length !== turn.nodes.length)) {
    throw new InvalidTurnError('invalid_field', 'nodeText must hold one string per node', 'nodeText');
  }
  const metadataJson = session?.metadata === undefined ? null : JSON.stringify(session.metadata);
  if (metadataJson !== null && metadataJson.length > 16 * 1024) throw new InvalidTurnError('oversize_field', 'session.metadata is over 16 KiB of JSON', 'session.metadata');
  const envelope = session ? { cwd: session.cwd, name: session.name, parent_session_id: session.parentSessionId, metadata: session.metadata } : undefined;
  const envelopeJson = envelope && Object.values(envelope).some((v) => v !== undefined) ? JSON.stringify(envelope) : null;
  const nodeText = (turn.nodeText ?? turn.nodes.map(() => '')).map(searchable);
  const mainThread = (session?.threadId ?? '') === '';
  const firstPrompt = mainThread && firstNode?.bucket.role === 'user' && nodeText[0] ? nodeText[0].slice(0, FIRST_PROMPT_CHARS) : null;
  const started = turn.startedAt ?? turn.endedAt ?? now();
  const ended = turn.endedAt ?? started;
  return {
    sessionId,
    threadId: session?.threadId ?? '',
    harnessId: session?.harnessId ?? null,
    harnessVersion: session?.harnessVersion ?? null,
    sessionEnvelopeJson: envelopeJson,
    model: turn.model === undefined ? null : displayLabel(turn.model),
    tokens: {
      input: usage.prompt_tokens ?? null,
      output: usage.completion_tokens ?? null,
      cacheWrite: usage.cache_creation_input_tokens ?? null,
      cacheRead: usage.cache_read_input_tokens ?? null,
      reasoning: usage.reasoning_tokens ?? null,
    },
    costUsd: turn.cost?.usd ?? null,
    priceVersion: turn.cost?.priceVersion ?? null,
    session: { name: session?.name ?? null, cwd: session?.cwd ?? null, parentId: session?.parentSessionId ?? null, metadataJson, firstPrompt },
    startedAt: formatMicros(BigInt(started.getTime()) * 1000n),
    endedAt: formatMicros(BigInt(ended.getTime()) * 1000n),
    nodeText,
  };
}

/** The text of the nodes a turn was first to store, joined: what the full-text index holds for it. */
export function newNodesText(facts: TurnFacts, isNew: (index: number) => boolean): string {
  const parts: string[] = [];
  let size = 0;
  facts.nodeText.forEach((text, i) => {
    if (!text || !isNew(i) || size >= MAX_TURN_TEXT_CHARS) return;
    parts.push(text.slice(0, MAX_TURN_TEXT_CHARS - size));
    size += text.length + 1;
  });
  return parts.join('\n');
}

function searchable(text: string): string {
  // PostgreSQL text cannot hold NUL, and a lone surrogate would reach each backend differently;
  // search and previews do not need them (the nodes and the raw bytes keep them exactly).
  return typeof text === 'string' ? text.replaceAll('\u0000', '\uFFFD').toWellFormed() : '';
}

/** The turn's model column is a label to filter and show (the node keeps the whole string): a very long one is cut. */
const MODEL_LABEL_CHARS = 256;

function displayLabel(text: string): string {
  if (text.length <= MODEL_LABEL_CHARS) return text;
  return `${Array.from(text.slice(0, MODEL_LABEL_CHARS)).slice(0, -1).join('')}…`;
}

function checkString(value: unknown, field: string, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') throw new InvalidTurnError('invalid_field', `${field} must be a string`, field);
  if (value.length > max) throw new InvalidTurnError('oversize_field', `${field} is ${value.length} characters; the cap is ${max}`, field);
}
