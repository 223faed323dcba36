import { isRecord } from '../json';
import { HARNESS_ID_UNKNOWN, readSessionEnvelope, type EnvelopeIssue } from './envelope';
import { detectHarness } from './harness';
import type { HeaderRecord } from './redaction';
import { resolveThreadId } from './thread';

/** Which session, thread and harness a captured turn belongs to. Snake_case: it is stored as is. */
export interface SessionIdentity {
  /**
   * The harness's session id. Undefined when nothing names one — Gemini CLI without `X-Tapes-*`
   * headers, an unrecognised client. Such turns are grouped by their conversation's root node
   * instead: every turn re-sends the history, so the root (first message) hash is stable across a
   * conversation (the original project keys them by its first 16 hex characters).
   */
  session_id?: string;
  /** The sub-thread (`fixtures/thread/`); `""` on the main thread. */
  thread_id: string;
  harness_id: string;
  harness_version?: string;
  /** The session this one was forked or spawned from, in the same harness's id space. */
  parent_session_id?: string;
  cwd?: string;
  name?: string;
  metadata?: Record<string, unknown>;
  /** `envelope`: the request named its harness in `X-Tapes-*` headers; `harness`: detected from the agent's own headers; `none`: neither. */
  source: 'envelope' | 'harness' | 'none';
}

export type SessionIdentityResult =
  | { ok: true; identity: SessionIdentity; dropped: EnvelopeIssue[] }
  | { ok: false; error: EnvelopeIssue & { disposition: 'reject-400' }; dropped: EnvelopeIssue[] };

/**
 * The one function every capture site calls for a request's session identity. Give it the request
 * headers (lower-case names; redacted ones do: the redaction policy keeps session and thread ids,
 * and a redaction marker — all that turns stored before #13 kept — reads as absent) and the parsed
 * request JSON when there is one (Claude Code's `metadata.user_id`, which is how stored turns
 * recover their session).
 *
 * - The `X-Tapes-*` envelope wins where it speaks; detection from the agent's own headers fills the
 *   rest. An envelope harness of `unknown` (the producer's "could not attribute" sentinel) names
 *   nothing, so detection decides the harness then — and an envelope session id is used only under
 *   a named harness, as in the original (an `unknown` session gets a synthetic id there).
 * - Detection speaks for its own harness only: when the envelope names a different harness, a
 *   detected session id, version or parent belongs to another id space and is not used.
 * - `x-paper-auth-*` are not read at all: in tapes they are client assertions, so they neither
 *   enter the identity nor can reject it (a non-UUID org id is the reader's `reject-400` only).
 * - An envelope the corpus rejects (`reject-400`: metadata that is not a JSON object) comes back
 *   as the error; dropped fields come back in `dropped` for the site to count or log.
 */
export function sessionIdentity(input: { headers: HeaderRecord; request?: unknown }): SessionIdentityResult {
  const read = readSessionEnvelope(withoutPaperAuth(input.headers));
  if (!read.ok) return { ok: false, error: read.error, dropped: read.dropped };
  const envelope = read.envelope;
  const detected = detectHarness(input);

  const named = envelope.harness_id !== HARNESS_ID_UNKNOWN ? envelope.harness_id : undefined;
  const fromDetection = named === undefined || named === detected.harness_id;
  const identity: SessionIdentity = {
    thread_id: resolveThreadId(input.headers),
    harness_id: named ?? detected.harness_id,
    source: named !== undefined ? 'envelope' : detected.harness_id !== HARNESS_ID_UNKNOWN ? 'harness' : 'none',
  };
  const optional: Omit<SessionIdentity, 'thread_id' | 'harness_id' | 'source'> = {
    session_id: (named !== undefined ? envelope.harness_session_id : undefined) ?? (fromDetection ? detected.harness_session_id : undefined),
    harness_version: envelope.harness_version ?? (fromDetection ? detected.harness_version : undefined),
    parent_session_id: envelope.parent_harness_session_id ?? (fromDetection ? detected.parent_harness_session_id : undefined),
    cwd: envelope.cwd,
    name: envelope.name,
    metadata: isRecord(envelope.harness_metadata) ? envelope.harness_metadata : undefined,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(identity, { [key]: value });
  return { ok: true, identity, dropped: read.dropped };
}

function withoutPaperAuth(headers: HeaderRecord): HeaderRecord {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('x-paper-auth-')));
}
