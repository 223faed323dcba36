import { asRecord, asString, tryParseJson } from '../json';
import { hasControlByte } from './envelope';
import { isRedacted, type HeaderRecord } from './redaction';

/**
 * Harness ids, spelled as the envelope vocabulary spells them (`fixtures/envelope/`: `claude`,
 * `codex`, `pi`, `unknown`; the original project adds `codex-app` and `opencode`). Gemini CLI is
 * not in that vocabulary; `gemini` follows its rule of the product's short name.
 */
export const HARNESS_IDS = ['claude', 'codex', 'codex-app', 'gemini', 'opencode', 'pi', 'unknown'] as const;
export type HarnessId = (typeof HARNESS_IDS)[number];

/** What a request says about its harness by itself, without any `X-Tapes-*` header. */
export interface HarnessDetection {
  harness_id: HarnessId;
  harness_version?: string;
  /** The harness's own session id, when it sends one (Gemini CLI sends none). */
  harness_session_id?: string;
  /** opencode names the session a subagent's child session was spawned from. */
  parent_harness_session_id?: string;
}

/**
 * Which coding agent sent a request, from the headers it sends anyway (and, for Claude Code, the
 * request body), so a user who only pointed the agent's base URL at tapes still gets sessions. The
 * rules, tried in this order (the first that recognises the request decides):
 *
 * - **Claude Code** (`claude`): `x-claude-code-session-id` (the session, on every call) or a
 *   `claude-cli/<version> (…)` user agent. Session: that header, else the body's
 *   `metadata.user_id` ({@link claudeCodeSessionFromUserId}).
 * - **Codex** (`codex`; `codex-app` for the desktop app): an `originator` header or user-agent
 *   product naming Codex (`codex_cli_rs`, `codex_exec`, `codex-tui`, `codex_vscode`, `Codex
 *   Desktop`…; the user agent is `<originator>/<version> (<os>; <arch>) <terminal>`, codex-rs
 *   `get_codex_user_agent`). Version from the user agent, else a `version` header. Session:
 *   `session-id` (current, beside `thread-id`), else `session_id` (older releases).
 * - **Gemini CLI** (`gemini`): a `GeminiCLI/<version>[/<model>] (…)` user agent. It sends no session
 *   id: without `X-Tapes-*` headers its turns have none.
 * - **opencode** (`opencode`): an `opencode/<version>` user agent (opencode `session/llm/request.ts`).
 *   Session: `x-opencode-session` (its own gateway), else `x-session-affinity` / `x-session-id`
 *   (other providers); a subagent's child session names its parent in `x-parent-session-id`.
 * - **pi** (`pi`): a `pi (<platform> <release>; <arch>)` user agent or `originator: pi`, which pi sets
 *   on its Codex-backend calls together with `session_id`. Through other providers pi uses their
 *   SDKs' user agents and is not recognisable.
 * - A body whose `metadata.user_id` has Claude Code's shape, with no header evidence (a proxy in
 *   between rewrote them): `claude`, no version.
 * - Anything else: `unknown`.
 *
 * Identifier values are taken only when non-empty, at most 256 characters, free of control
 * characters and not a redaction marker: they key sessions, and a value outside that is not one a
 * harness generated.
 */
export function detectHarness(input: { headers: HeaderRecord; request?: unknown }): HarnessDetection {
  const header = (name: string): string | undefined => headerText(input.headers, name);
  return (
    claudeCode(header, input.request) ??
    codex(header) ??
    geminiCli(header) ??
    opencode(header) ??
    pi(header) ??
    claudeCodeFromBody(input.request) ?? { harness_id: 'unknown' }
  );
}

type HeaderLookup = (name: string) => string | undefined;

const CLAUDE_CLI_USER_AGENT = /^claude-cli\/([^\s(]+)/;
/** A Codex originator: `codex` then a separator or the end (`codex_cli_rs`, `codex-tui`, `Codex Desktop`). */
const CODEX_ORIGINATOR = /^codex(?:[ _-]|$)/i;
const CODEX_DESKTOP = /^codex desktop$/i;
const GEMINI_CLI_USER_AGENT = /(?:^|\s)GeminiCLI\/([^/\s(]+)/;
const OPENCODE_USER_AGENT = /^opencode\/([^\s(]+)/;
const PI_USER_AGENT = /^pi \(/;

function claudeCode(header: HeaderLookup, request: unknown): HarnessDetection | undefined {
  const version = CLAUDE_CLI_USER_AGENT.exec(header('user-agent') ?? '')?.[1];
  const session = identifier(header('x-claude-code-session-id'));
  if (version === undefined && session === undefined) return undefined;
  return withOptional({ harness_id: 'claude' }, { harness_version: version, harness_session_id: session ?? claudeCodeSessionFromUserId(request) });
}

function codex(header: HeaderLookup): HarnessDetection | undefined {
  const originator = header('originator') ?? '';
  const userAgent = header('user-agent') ?? '';
  const product = userAgent.split('/', 1)[0] ?? '';
  const uaIsCodex = CODEX_ORIGINATOR.test(product);
  if (!CODEX_ORIGINATOR.test(originator) && !uaIsCodex) return undefined;
  const desktop = CODEX_DESKTOP.test(originator) || CODEX_DESKTOP.test(product);
  const uaVersion = uaIsCodex ? /^[^/]+\/([^\s(]+)/.exec(userAgent)?.[1] : undefined;
  return withOptional(
    { harness_id: desktop ? 'codex-app' : 'codex' },
    { harness_version: uaVersion ?? identifier(header('version')), harness_session_id: identifier(header('session-id')) ?? identifier(header('session_id')) },
  );
}

function geminiCli(header: HeaderLookup): HarnessDetection | undefined {
  const match = GEMINI_CLI_USER_AGENT.exec(header('user-agent') ?? '');
  return match ? withOptional({ harness_id: 'gemini' }, { harness_version: match[1] }) : undefined;
}

function opencode(header: HeaderLookup): HarnessDetection | undefined {
  const match = OPENCODE_USER_AGENT.exec(header('user-agent') ?? '');
  if (!match) return undefined;
  const session = identifier(header('x-opencode-session')) ?? identifier(header('x-session-affinity')) ?? identifier(header('x-session-id'));
  return withOptional({ harness_id: 'opencode' }, { harness_version: match[1], harness_session_id: session, parent_harness_session_id: identifier(header('x-parent-session-id')) });
}

function pi(header: HeaderLookup): HarnessDetection | undefined {
  if (!PI_USER_AGENT.test(header('user-agent') ?? '') && header('originator') !== 'pi') return undefined;
  return withOptional({ harness_id: 'pi' }, { harness_session_id: identifier(header('session-id')) ?? identifier(header('session_id')) });
}

function claudeCodeFromBody(request: unknown): HarnessDetection | undefined {
  const session = claudeCodeSessionFromUserId(request);
  return session === undefined ? undefined : { harness_id: 'claude', harness_session_id: session };
}

/**
 * Claude Code's session id from the request body's `metadata.user_id`: in current versions a
 * JSON-encoded string `{"device_id":…,"account_uuid":…,"session_id":"<uuid>"}`, in older ones
 * `user_<hash>_account_<uuid or empty>_session_<uuid>`. Undefined for any other shape. Also what
 * re-derives sessions for turns stored before this existed (their session headers were redacted).
 */
export function claudeCodeSessionFromUserId(request: unknown): string | undefined {
  const userId = asString(asRecord(asRecord(request)?.['metadata'])?.['user_id']);
  if (!userId) return undefined;
  if (userId.startsWith('{')) {
    const parsed = tryParseJson(userId);
    const fields = parsed.ok ? asRecord(parsed.value) : undefined;
    // device_id is required too: a bare {"session_id"} is some other client's convention.
    if (!fields || asString(fields['device_id']) === undefined) return undefined;
    return identifier(asString(fields['session_id']));
  }
  return identifier(/^user_[^_]*_account_[^_]*_session_([^_\s]+)$/.exec(userId)?.[1]);
}

function headerText(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

/** A redaction marker (headers stored before #13 redacted every name containing `session`) is no id. */
function identifier(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value.length > 256 || hasControlByte(value) || isRedacted(value)) return undefined;
  return value;
}

function withOptional(base: HarnessDetection, optional: Partial<Record<'harness_version' | 'harness_session_id' | 'parent_harness_session_id', string | undefined>>): HarnessDetection {
  const out: HarnessDetection = { ...base };
  for (const [key, value] of Object.entries(optional) as [keyof typeof optional, string | undefined][]) if (value !== undefined) out[key] = value;
  return out;
}
