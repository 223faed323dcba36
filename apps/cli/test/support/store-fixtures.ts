import { capturedTurn, createDefaultReducers, toTurnRecord, type CapturedTurn, type TurnRecord } from '@tapes/capture';
import type { TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, GEMINI_FIXTURES, readFixture, type TurnFixture } from '@tapes/testing';

const reducers = createDefaultReducers();

export const SESSION = '0d6f1c2e-2222-4a5b-9c8d-123456789abc';
/** Claude Code's own headers: its session id names the session, the agent id a subagent thread. */
export const CLAUDE = { 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': SESSION };

export const fixture = (name: string): TurnFixture => {
  const found = [...ANTHROPIC_FIXTURES, ...GEMINI_FIXTURES].find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
};

/** A turn as the proxy would have captured it: the fixture's request and response bytes. */
export function captured(f: TurnFixture, requestId: string, headers: Record<string, string>, at: string, options: { responseBody?: Buffer } = {}): CapturedTurn {
  return capturedTurn({
    requestId,
    site: 'proxy',
    provider: f.provider,
    api: f.api,
    method: 'POST',
    path: f.path,
    status: 200,
    requestHeaders: { 'content-type': 'application/json', ...headers },
    responseHeaders: f.contentType ? { 'content-type': f.contentType } : {},
    requestBody: Buffer.from(JSON.stringify(f.request)),
    responseBody: options.responseBody ?? readFixture(f.responseFile),
    startedAt: new Date(at),
    firstByteAt: new Date(Date.parse(at) + 300),
    endedAt: new Date(Date.parse(at) + 2_000),
  });
}

export async function record(f: TurnFixture, requestId: string, headers: Record<string, string>, at: string, options: { responseBody?: Buffer } = {}): Promise<TurnRecord> {
  return (await toTurnRecord(captured(f, requestId, headers, at, options), { reducers })).record;
}

/** The seeded sessions: a Claude Code session (main thread + a subagent thread) and a Gemini one. */
export async function seed(store: TurnStore): Promise<{ main: string; sub: string; gemini: string }> {
  const main = await store.storeTurn(await record(fixture('anthropic_extra/claude_code_turn'), 'req-main-1', CLAUDE, '2026-11-30T10:00:00.000Z'));
  const sub = await store.storeTurn(await record(fixture('anthropic/messages_tool_use'), 'req-sub-1', { ...CLAUDE, 'x-claude-code-agent-id': 'agent-7' }, '2026-11-30T10:01:00.000Z'));
  const gemini = await store.storeTurn(await record(GEMINI_FIXTURES.find((f) => f.complete)!, 'req-gemini-1', {}, '2026-11-29T09:00:00.000Z'));
  return { main: main.turnId, sub: sub.turnId, gemini: gemini.turnId };
}

/** Both storage backends, each a fresh, migrated database: its URL (what `--database` takes) and a store open on it. */
export { TEST_STORES as BACKENDS } from '@tapes/storage/testing';
