import type { Diagnostic } from '@tapes/llm';
import { isTapesHeader } from '../policy/envelope';
import type { HeaderRecord } from '../policy/redaction';
import { sessionIdentity, type SessionIdentity } from '../policy/session-identity';
import type { TurnRecord, TurnSession } from './turn-record';

/** A turn's session, and what the envelope reader refused on the way (as diagnostics, never values). */
export interface TurnSessionResult {
  session: TurnSession;
  diagnostics: Diagnostic[];
}

/**
 * The session a captured turn belongs to, from its (redacted) request headers and request JSON.
 *
 * A capture site never fails a turn over its envelope: an envelope the reader rejects (metadata that
 * is not a JSON object) is set aside whole, the harness's own headers decide, and an
 * `envelope_error` diagnostic says so. Ingest, which can answer its client, checks first with
 * {@link sessionIdentity} and refuses such an envelope with a 400 instead.
 */
export function turnSession(headers: HeaderRecord, request: unknown): TurnSessionResult {
  const read = sessionIdentity({ headers, request });
  const diagnostics: Diagnostic[] = read.dropped.map((issue) => ({
    code: 'envelope_error',
    detail: `X-Tapes envelope: ${issue.field} dropped (${issue.rule})`,
    data: { field: issue.field, rule: issue.rule },
  }));
  if (read.ok) return { session: fromIdentity(read.identity), diagnostics };
  diagnostics.push({
    code: 'envelope_error',
    detail: `X-Tapes envelope refused: ${read.error.field} ${read.error.rule}; the harness's own headers decide the session`,
    data: { field: read.error.field, rule: read.error.rule },
  });
  const withoutEnvelope = Object.fromEntries(Object.entries(headers).filter(([name]) => !isTapesHeader(name)));
  const fallback = sessionIdentity({ headers: withoutEnvelope, request });
  // Without X-Tapes-* headers there is nothing left to reject.
  const identity: SessionIdentity = fallback.ok ? fallback.identity : { thread_id: '', harness_id: 'unknown', source: 'none' };
  return { session: fromIdentity(identity), diagnostics };
}

/**
 * The session a stored turn is listed under: the harness's session id, else `root:<first node
 * hash>` (every turn re-sends the conversation, so its root is stable — how turns of a harness
 * that names no session are grouped). Undefined for a turn with neither.
 */
export function sessionIdOf(record: Pick<TurnRecord, 'session' | 'nodes'>): string | undefined {
  if (record.session?.id) return record.session.id;
  const root = record.nodes[0];
  return root ? `root:${root.hash}` : undefined;
}

function fromIdentity(identity: SessionIdentity): TurnSession {
  const session: TurnSession = { threadId: identity.thread_id, harnessId: identity.harness_id };
  if (identity.session_id !== undefined) session.id = identity.session_id;
  if (identity.harness_version !== undefined) session.harnessVersion = identity.harness_version;
  if (identity.parent_session_id !== undefined) session.parentSessionId = identity.parent_session_id;
  if (identity.cwd !== undefined) session.cwd = identity.cwd;
  if (identity.name !== undefined) session.name = identity.name;
  if (identity.metadata !== undefined) session.metadata = identity.metadata;
  return session;
}
