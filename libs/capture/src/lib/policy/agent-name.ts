/**
 * What an agent name may be (#13). The name is part of every node's hash, so the same name must be
 * the same string whichever way it arrived (the `X-Tapes-Agent-Name` header or the
 * `/agents/<name>/` path), and it is shown in logs and the viewer, so it must not carry control
 * characters (a newline forging a log line, an escape sequence repainting a terminal).
 *
 * Where a name is refused depends on who sent it: ingest and the read API answer a clear 400 (the
 * client can fix it); a capture site never loses the turn for it — it stores the turn under
 * {@link sanitizeAgentName}'s name with a diagnostic, because the agent does not know tapes exists.
 */

/** The longest agent name, in UTF-8 bytes (the X-Tapes session name has the same cap). */
export const AGENT_NAME_MAX_BYTES = 256;

/** C0 controls, DEL and C1 controls: never part of a name anyone typed. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** What the diagnostic of a sanitised name is called. */
export const AGENT_NAME_DIAGNOSTIC = 'agent_name_sanitized' as const;

/** Why `name` is not an acceptable agent name, or undefined when it is. */
export function agentNameProblem(name: string): string | undefined {
  if (CONTROL.test(name)) return 'must not contain control characters';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > AGENT_NAME_MAX_BYTES) return `must be at most ${AGENT_NAME_MAX_BYTES} bytes of UTF-8 (got ${bytes})`;
  return undefined;
}

export interface SanitizedAgentName {
  /** The name to store; undefined when nothing usable is left. */
  name?: string;
  /** Set when the name had to change: what was wrong with it (for a diagnostic). */
  issue?: string;
}

/**
 * The name a capture site stores: control characters become U+FFFD (visible, and two names that
 * differ only there stay different), then the name is cut at {@link AGENT_NAME_MAX_BYTES} on a
 * character boundary and trimmed. An acceptable name comes back unchanged, without an issue.
 */
export function sanitizeAgentName(raw: string): SanitizedAgentName {
  const trimmed = raw.trim();
  const problem = agentNameProblem(trimmed);
  if (problem === undefined) return trimmed ? { name: trimmed } : {};
  const cleaned = truncateUtf8(trimmed.replace(CONTROLS, '\uFFFD'), AGENT_NAME_MAX_BYTES).trim();
  const shown = JSON.stringify(Array.from(trimmed).slice(0, 64).join(''));
  const issue = `the agent name ${problem}; stored as ${cleaned ? JSON.stringify(cleaned.length > 64 ? `${cleaned.slice(0, 64)}…` : cleaned) : 'no name'} (it began ${shown})`;
  return cleaned ? { name: cleaned, issue } : { issue };
}

/**
 * A header value as the sender meant it. Node's HTTP parser hands header bytes over as latin1 (one
 * character per byte), so a UTF-8 name arrives as mojibake (`cafÃ©`) and would hash differently
 * from the same name in the path (which is percent-decoded as UTF-8). The bytes are re-read as
 * UTF-8 when they are valid UTF-8; a value that is not (a client that really sent latin1) is kept
 * as it came. Only for strings from Node's parser: a value already decoded (Envoy's raw_value, read
 * as UTF-8 by the sidecar) may hold characters above U+00FF and is returned as it is.
 */
export function headerText(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const char of text) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}
