import { claudeCodeSessionFromUserId, detectHarness, type HarnessDetection } from './harness';
import type { HeaderRecord } from './redaction';

// Synthetic identifiers in the corpora's style; header shapes as the agents send them.
const SESSION = '6f1c2a9e-1111-4111-8111-111111111111';
const CODEX_SESSION = '019ecd8e-4281-7353-8a00-09df678443b1';

const claudeUserId = (session: string): string =>
  JSON.stringify({ device_id: 'a'.repeat(64), account_uuid: '00000000-0000-4000-8000-000000000001', session_id: session });

describe('detectHarness', () => {
  it.each<{ name: string; headers: HeaderRecord; request?: unknown; want: HarnessDetection }>([
    {
      name: 'Claude Code by its session header and user agent',
      headers: { 'user-agent': 'claude-cli/2.1.219 (external, cli)', 'x-app': 'cli', 'x-claude-code-session-id': SESSION, 'anthropic-version': '2023-06-01' },
      want: { harness_id: 'claude', harness_version: '2.1.219', harness_session_id: SESSION },
    },
    {
      name: 'Claude Code through the Agent SDK (same user agent product)',
      headers: { 'user-agent': 'claude-cli/2.0.14 (external, sdk-ts)' },
      want: { harness_id: 'claude', harness_version: '2.0.14' },
    },
    {
      name: "Claude Code's session from the body when the header is missing",
      headers: { 'user-agent': 'claude-cli/1.0.98 (external, cli)' },
      request: { metadata: { user_id: `user_${'b'.repeat(64)}_account__session_${SESSION}` } },
      want: { harness_id: 'claude', harness_version: '1.0.98', harness_session_id: SESSION },
    },
    {
      name: 'Claude Code from the body alone, when a proxy in between rewrote the headers',
      headers: { 'user-agent': 'node-fetch' },
      request: { metadata: { user_id: claudeUserId(SESSION) } },
      want: { harness_id: 'claude', harness_session_id: SESSION },
    },
    {
      name: 'Codex CLI by originator and user agent, version from the user agent',
      headers: { originator: 'codex_cli_rs', 'user-agent': 'codex_cli_rs/0.139.0 (Mac OS 15.5.0; arm64) iTerm.app/3.5.14', 'session-id': CODEX_SESSION, 'thread-id': CODEX_SESSION, version: '0.139.0' },
      want: { harness_id: 'codex', harness_version: '0.139.0', harness_session_id: CODEX_SESSION },
    },
    {
      name: 'Codex TUI originator with a prerelease version',
      headers: { originator: 'codex-tui', 'user-agent': 'codex-tui/0.149.1 (Mac OS 15.6.1; arm64) ghostty/1.2.0', 'session-id': CODEX_SESSION },
      want: { harness_id: 'codex', harness_version: '0.149.1', harness_session_id: CODEX_SESSION },
    },
    {
      name: "older Codex: the underscore session_id, version from the version header when the user agent is someone else's",
      headers: { originator: 'codex_exec', 'user-agent': 'reqwest', version: '0.20.0', session_id: CODEX_SESSION },
      want: { harness_id: 'codex', harness_version: '0.20.0', harness_session_id: CODEX_SESSION },
    },
    {
      name: 'the Codex desktop app is its own harness',
      headers: { originator: 'Codex Desktop', 'user-agent': 'Codex Desktop/0.150.0-alpha.8 (Mac OS 15.6.1; arm64) unknown', 'session-id': CODEX_SESSION },
      want: { harness_id: 'codex-app', harness_version: '0.150.0-alpha.8', harness_session_id: CODEX_SESSION },
    },
    {
      name: 'Gemini CLI: version, and no session id because it sends none',
      headers: { 'user-agent': 'GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64)', 'x-goog-api-client': 'google-genai-sdk/1.30.0 gl-node/v22.21.1' },
      want: { harness_id: 'gemini', harness_version: '0.61.0' },
    },
    {
      name: "Gemini CLI's older user agent without the model",
      headers: { 'user-agent': 'GeminiCLI/0.1.5 (darwin; arm64)' },
      want: { harness_id: 'gemini', harness_version: '0.1.5' },
    },
    {
      name: 'opencode to a third-party provider, a subagent child session naming its parent',
      headers: { 'user-agent': 'opencode/1.18.14 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14', 'x-session-affinity': 'ses_child', 'x-session-id': 'ses_child', 'x-parent-session-id': 'ses_root' },
      want: { harness_id: 'opencode', harness_version: '1.18.14', harness_session_id: 'ses_child', parent_harness_session_id: 'ses_root' },
    },
    {
      name: "opencode to its own gateway",
      headers: { 'user-agent': 'opencode/1.18.32', 'x-opencode-session': 'ses_abc', 'x-opencode-client': 'cli' },
      want: { harness_id: 'opencode', harness_version: '1.18.32', harness_session_id: 'ses_abc' },
    },
    {
      name: 'pi on the Codex backend',
      headers: { originator: 'pi', 'user-agent': 'pi (darwin 24.6.0; arm64)', session_id: 'pi-session-1' },
      want: { harness_id: 'pi', harness_session_id: 'pi-session-1' },
    },
    { name: 'an SDK script is unknown', headers: { 'user-agent': 'Anthropic/JS 0.60.0', 'x-stainless-lang': 'js' }, want: { harness_id: 'unknown' } },
    { name: 'a session-looking header alone names no harness', headers: { 'session-id': CODEX_SESSION, 'x-session-id': 'x' }, want: { harness_id: 'unknown' } },
    { name: 'nothing at all is unknown', headers: {}, want: { harness_id: 'unknown' } },
    {
      name: 'a session id with a control character or over 256 characters is no identifier',
      headers: { 'user-agent': 'claude-cli/2.1.0 (external, cli)', 'x-claude-code-session-id': 'x'.repeat(257) },
      want: { harness_id: 'claude', harness_version: '2.1.0' },
    },
  ])('$name', ({ headers, request, want }) => {
    expect(detectHarness({ headers, request })).toEqual(want);
  });

  it('prefers Claude Code when a request carries evidence for two harnesses (as thread resolution does)', () => {
    expect(detectHarness({ headers: { 'x-claude-code-session-id': SESSION, originator: 'codex_cli_rs' } }).harness_id).toBe('claude');
  });
});

describe('claudeCodeSessionFromUserId', () => {
  it.each([
    { name: 'current JSON-encoded user_id', userId: claudeUserId(SESSION), want: SESSION },
    { name: 'legacy user_<hash>_account_<uuid>_session_<uuid>', userId: `user_${'c'.repeat(64)}_account_00000000-0000-4000-8000-000000000001_session_${SESSION}`, want: SESSION },
    { name: 'legacy with an empty account (API key users)', userId: `user_${'c'.repeat(64)}_account__session_${SESSION}`, want: SESSION },
    { name: 'JSON without device_id is some other client', userId: JSON.stringify({ session_id: SESSION }), want: undefined },
    { name: 'a plain user id', userId: 'same-user-across-chats', want: undefined },
    { name: 'malformed JSON', userId: '{"device_id":', want: undefined },
  ])('$name', ({ userId, want }) => {
    expect(claudeCodeSessionFromUserId({ metadata: { user_id: userId } })).toBe(want);
  });

  it.each([undefined, null, 'text', { metadata: 'x' }, { metadata: { user_id: 42 } }])('reads nothing from %p', (request) => {
    expect(claudeCodeSessionFromUserId(request)).toBeUndefined();
  });
});
