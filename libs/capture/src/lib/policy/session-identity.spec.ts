import { ENVELOPE_HEADERS, ENVELOPE_RULES } from './envelope';
import { sessionIdentity, type SessionIdentity } from './session-identity';

// Real-shaped request headers (synthetic identifiers). Credentials are left out: the function never reads them.
const CLAUDE_SESSION = '6f1c2a9e-1111-4111-8111-111111111111';
const claudeMain = {
  accept: 'application/json',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
  'anthropic-dangerous-direct-browser-access': 'true',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
  'user-agent': 'claude-cli/2.1.219 (external, cli)',
  'x-app': 'cli',
  'x-claude-code-session-id': CLAUDE_SESSION,
  'x-stainless-lang': 'js',
  'x-stainless-package-version': '0.60.0',
  'x-stainless-retry-count': '0',
};
/** A call from a subagent the Agent tool spawned: same session, plus its agent id. */
const claudeSubagent = { ...claudeMain, 'x-claude-code-agent-id': 'agent-7c2e91d0' };
const claudeBody = {
  model: 'claude-sonnet-4-6',
  metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '00000000-0000-4000-8000-000000000001', session_id: CLAUDE_SESSION }) },
};

const CODEX_ROOT = '019ecd8e-4281-7353-8a00-09df678443b1';
const CODEX_CHILD = '019ecd91-0a7e-7c12-9d44-5a1b2c3d4e5f';
const codexRoot = {
  accept: 'text/event-stream',
  'content-type': 'application/json',
  'openai-beta': 'responses=experimental',
  originator: 'codex_cli_rs',
  'user-agent': 'codex_cli_rs/0.139.0 (Mac OS 15.5.0; arm64) iTerm.app/3.5.14',
  'session-id': CODEX_ROOT,
  'thread-id': CODEX_ROOT,
  'x-client-request-id': CODEX_ROOT,
};
/** A spawned agent's turn: the session stays the root's, the thread is its own. */
const codexChild = { ...codexRoot, 'thread-id': CODEX_CHILD, 'x-client-request-id': CODEX_CHILD, 'x-codex-parent-thread-id': CODEX_ROOT, 'x-openai-subagent': 'collab_spawn' };

const geminiCli = {
  'content-type': 'application/json',
  'user-agent': 'GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64)',
  'x-goog-api-client': 'google-genai-sdk/1.30.0 gl-node/v22.21.1',
};

const tapes = {
  [ENVELOPE_HEADERS.harnessId]: 'claude',
  [ENVELOPE_HEADERS.harnessSessionId]: '11111111-1111-4111-8111-111111111111',
  [ENVELOPE_HEADERS.harnessVersion]: '2.1.145',
  [ENVELOPE_HEADERS.cwd]: '/Users/%E6%9D%BE%E6%9C%AC/code',
  [ENVELOPE_HEADERS.sessionName]: 'woo-names',
  [ENVELOPE_HEADERS.parentHarnessSessionId]: '44444444-4444-4444-8444-444444444444',
  [ENVELOPE_HEADERS.harnessMetadata]: 'eyJraW5kIjoiaW50ZXJhY3RpdmUifQ', // {"kind":"interactive"}
};

describe('sessionIdentity', () => {
  it.each<{ name: string; headers: Record<string, string>; request?: unknown; want: SessionIdentity }>([
    {
      name: 'Claude Code main thread',
      headers: claudeMain,
      request: claudeBody,
      want: { session_id: CLAUDE_SESSION, thread_id: '', harness_id: 'claude', harness_version: '2.1.219', source: 'harness' },
    },
    {
      name: 'Claude Code subagent (Agent tool): same session, its own thread',
      headers: claudeSubagent,
      request: claudeBody,
      want: { session_id: CLAUDE_SESSION, thread_id: 'agent-7c2e91d0', harness_id: 'claude', harness_version: '2.1.219', source: 'harness' },
    },
    {
      name: 'Codex root turn: the equal pair is the main thread',
      headers: codexRoot,
      want: { session_id: CODEX_ROOT, thread_id: '', harness_id: 'codex', harness_version: '0.139.0', source: 'harness' },
    },
    {
      name: "Codex spawned agent: the root's session, the child's thread",
      headers: codexChild,
      want: { session_id: CODEX_ROOT, thread_id: CODEX_CHILD, harness_id: 'codex', harness_version: '0.139.0', source: 'harness' },
    },
    {
      name: 'Gemini CLI: no session id, so the turn groups by its conversation root',
      headers: geminiCli,
      want: { thread_id: '', harness_id: 'gemini', harness_version: '0.61.0', source: 'harness' },
    },
    {
      name: 'X-Tapes headers override what detection finds, field by field',
      headers: { ...claudeSubagent, ...tapes },
      request: claudeBody,
      want: {
        session_id: '11111111-1111-4111-8111-111111111111',
        thread_id: 'agent-7c2e91d0',
        harness_id: 'claude',
        harness_version: '2.1.145',
        parent_session_id: '44444444-4444-4444-8444-444444444444',
        cwd: '/Users/松本/code',
        name: 'woo-names',
        metadata: { kind: 'interactive' },
        source: 'envelope',
      },
    },
    {
      name: 'an envelope naming only the harness: detection fills the session',
      headers: { ...claudeMain, [ENVELOPE_HEADERS.harnessId]: 'claude' },
      want: { session_id: CLAUDE_SESSION, thread_id: '', harness_id: 'claude', harness_version: '2.1.219', source: 'envelope' },
    },
    {
      name: 'an envelope naming another harness: detected ids belong to another id space and are not used',
      headers: { ...claudeMain, [ENVELOPE_HEADERS.harnessId]: 'pi' },
      want: { thread_id: '', harness_id: 'pi', source: 'envelope' },
    },
    {
      name: 'the unknown sentinel names nothing: detection decides, and an envelope session id under it is not used',
      headers: { ...codexRoot, [ENVELOPE_HEADERS.harnessId]: 'unknown', [ENVELOPE_HEADERS.harnessSessionId]: 'stale', [ENVELOPE_HEADERS.cwd]: '/repo' },
      want: { session_id: CODEX_ROOT, thread_id: '', harness_id: 'codex', harness_version: '0.139.0', cwd: '/repo', source: 'harness' },
    },
    {
      name: 'a Gemini CLI launcher that sets X-Tapes headers gets a session',
      headers: { ...geminiCli, [ENVELOPE_HEADERS.harnessId]: 'gemini', [ENVELOPE_HEADERS.harnessSessionId]: 'gem-1' },
      want: { session_id: 'gem-1', thread_id: '', harness_id: 'gemini', harness_version: '0.61.0', source: 'envelope' },
    },
    {
      name: 'an unrecognised client',
      headers: { 'user-agent': 'curl/8.5.0' },
      want: { thread_id: '', harness_id: 'unknown', source: 'none' },
    },
  ])('$name', ({ headers, request, want }) => {
    expect(sessionIdentity({ headers, request })).toEqual({ ok: true, identity: want, dropped: [] });
  });

  it('passes a rejected envelope on as the reject-400 error', () => {
    const result = sessionIdentity({ headers: { ...claudeMain, ...tapes, [ENVELOPE_HEADERS.harnessMetadata]: 'WzEsMiwzXQ' } });
    expect(result).toEqual({ ok: false, error: { field: 'harness_metadata', rule: ENVELOPE_RULES.metadataObject, disposition: 'reject-400' }, dropped: [] });
  });

  it('reports fields the envelope reader dropped, and goes on without them', () => {
    const result = sessionIdentity({ headers: { ...claudeMain, [ENVELOPE_HEADERS.sessionName]: 'a%0Ab' } });
    expect(result).toMatchObject({ ok: true, identity: { session_id: CLAUDE_SESSION }, dropped: [{ field: 'name', rule: ENVELOPE_RULES.controlBytes }] });
    expect(result.ok && result.identity.name).toBeUndefined();
  });

  it('never takes x-paper-auth-* into the identity, nor lets them reject it', () => {
    const result = sessionIdentity({ headers: { ...claudeMain, 'x-paper-auth-org-id': 'not-a-uuid', 'x-paper-auth-subject': 'someone' } });
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result)).not.toMatch(/someone|not-a-uuid/);
  });

  it('recovers the session of a Claude Code turn stored before #13 from its body, not from the redacted header', () => {
    const stored = { ...claudeMain, 'x-claude-code-session-id': '[redacted]', [ENVELOPE_HEADERS.harnessSessionId]: '[redacted:36]' };
    expect(sessionIdentity({ headers: stored, request: claudeBody })).toEqual({
      ok: true,
      identity: { session_id: CLAUDE_SESSION, thread_id: '', harness_id: 'claude', harness_version: '2.1.219', source: 'harness' },
      dropped: [],
    });
  });
});
