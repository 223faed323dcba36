import { InvalidTurnError } from './errors';
import type { ValidatedTurn } from './validate-turn';

/**
 * The plain-text columns (request ids, agent names, models, stop reasons, paths, content types,
 * session ids) hold any string a client can send, on both backends, and give it back exactly (#12).
 *
 * Two kinds of string do not survive a text column as they are: U+0000, which PostgreSQL text
 * refuses outright (SQLSTATE 22021, a 500 before this), and a lone surrogate, which both drivers
 * silently turn into U+FFFD when they encode UTF-8 (a node read back would no longer hash to its
 * hash). Such a value is stored escaped: a leading U+0001 and then the value as a JSON string
 * literal, which is pure ASCII for those characters. A value that itself begins with U+0001 is
 * escaped too, so the mapping is one-to-one: lookups and unique keys (request_id) behave as on the
 * original strings. Every other value — all real traffic — is stored as it is.
 *
 * JSON text columns (node content, headers, diagnostics, usage) need nothing: JSON.stringify
 * already writes NUL and lone surrogates as `\u` escapes. The search text is lossy by design
 * (turn-facts.ts).
 */
const ESCAPED = '\u0001';
/** NUL, a lone surrogate (in `u` mode a paired surrogate is one astral code point, not Cs), or a leading U+0001. */
// eslint-disable-next-line no-control-regex -- matching these control characters is the point
const NEEDS_ESCAPE = /\u0000|\p{Cs}|^\u0001/u;

/** The column form of a text value. */
export function toColumn(value: string): string;
export function toColumn(value: string | null): string | null;
export function toColumn(value: string | undefined): string | undefined;
export function toColumn(value: string | null | undefined): string | null | undefined {
  return typeof value === 'string' && NEEDS_ESCAPE.test(value) ? ESCAPED + JSON.stringify(value) : value;
}

/** The value a column holds (undoes {@link toColumn}). */
export function fromColumn(value: string): string;
export function fromColumn(value: string | null): string | null;
export function fromColumn(value: string | undefined): string | undefined;
export function fromColumn(value: string | null | undefined): string | null | undefined {
  return typeof value === 'string' && value.startsWith(ESCAPED) ? (JSON.parse(value.slice(1)) as string) : value;
}

/**
 * Bytes an indexed text column may hold in its column form. A PostgreSQL B-tree entry is refused
 * past ~2.7 KB (a third of a page), so a 1,000-character CJK agent name or model failed there and
 * stored on SQLite; both now refuse it alike, naming the field.
 */
export const MAX_INDEXED_TEXT_BYTES = 2048;

/**
 * The validated turn as the writers put it in the columns: every text value in its column form.
 * Nodes are copied only when one of their strings must change (the hash was checked on the
 * original, and the read side gives the original back).
 */
export function columnForm(valid: ValidatedTurn): ValidatedTurn {
  const { turn, facts } = valid;
  const nodes = turn.nodes.map((node) => {
    const b = node.bucket;
    const strings = [b.type, b.role, b.model, b.provider, b.agent_name, node.stop_reason, node.project];
    if (!strings.some((s) => typeof s === 'string' && NEEDS_ESCAPE.test(s))) return node;
    const bucket = { ...b, type: toColumn(b.type), role: toColumn(b.role), model: toColumn(b.model), provider: toColumn(b.provider) };
    if (b.agent_name !== undefined) bucket.agent_name = toColumn(b.agent_name);
    const copy = { ...node, bucket };
    if (node.stop_reason !== undefined) copy.stop_reason = toColumn(node.stop_reason);
    if (node.project !== undefined) copy.project = toColumn(node.project);
    return copy;
  });
  const columns: ValidatedTurn = {
    ...valid,
    turn: {
      ...turn,
      requestId: toColumn(turn.requestId),
      provider: toColumn(turn.provider),
      api: toColumn(turn.api),
      agentName: toColumn(turn.agentName),
      method: toColumn(turn.method),
      path: toColumn(turn.path),
      responseContentType: toColumn(turn.responseContentType),
      responseContentEncoding: toColumn(turn.responseContentEncoding),
      nodes,
    },
    facts: {
      ...facts,
      sessionId: toColumn(facts.sessionId),
      threadId: toColumn(facts.threadId),
      harnessId: toColumn(facts.harnessId),
      harnessVersion: toColumn(facts.harnessVersion),
      model: toColumn(facts.model),
      session: { ...facts.session, name: toColumn(facts.session.name), cwd: toColumn(facts.session.cwd), parentId: toColumn(facts.session.parentId) },
    },
  };
  const indexed: Array<[string, string | null | undefined]> = [
    ['requestId', columns.turn.requestId],
    ['agentName', columns.turn.agentName],
    ['model', columns.facts.model],
    ['session.id', columns.facts.sessionId],
    ['session.harnessId', columns.facts.harnessId],
    ...nodes.map((n, i): [string, string | undefined] => [`nodes[${i}].bucket.agent_name`, n.bucket.agent_name]),
  ];
  for (const [field, value] of indexed) {
    // UTF-16 length bounds the UTF-8 size from below by a third: measure exactly only near the cap.
    if (value && value.length * 3 > MAX_INDEXED_TEXT_BYTES && Buffer.byteLength(value) > MAX_INDEXED_TEXT_BYTES) {
      throw new InvalidTurnError('oversize_field', `${field} is ${Buffer.byteLength(value)} bytes as stored; an indexed text column holds at most ${MAX_INDEXED_TEXT_BYTES}`, field);
    }
  }
  return columns;
}
