import { gzipSync } from 'node:zlib';
import { capturedTurn, createDefaultReducers, toTurnRecord, type TurnRecord } from '@tapes/capture';
import { ANTHROPIC_FIXTURES, exportTurnFromRecord, readFixture, type TurnFixture } from '@tapes/testing';
import type { ExportReader, ExportSession, ExportSessionInfo, ExportTurn } from '../../src';

const reducers = createDefaultReducers();
export const SESSION = '7b0c5a52-2222-4a5b-9c8d-123456789abc';
const CLAUDE = { 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': SESSION, 'x-api-key': 'sk-ant-api03-SECRETSECRETSECRET' };

export const toolUseFixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_tool_use')!;
export const textFixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
export const oneShotFixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_oneshot')!;
export const errorFixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_error_mid_stream')!;

/** The tool call the tool-use fixture makes. */
export const TOOL_CALL_ID = 'toolu_FIXTURE0000000000000';

export interface TurnPlan {
  fixture: TurnFixture;
  requestId: string;
  at: string;
  /** Replaces the fixture's request (a follow-up turn carrying a tool result). */
  request?: Record<string, unknown>;
  headers?: Record<string, string>;
  gzip?: boolean;
}

/** A turn through the real pipeline (toTurnRecord), then in the read API's shape as a store would serve it. */
export async function exportTurn(plan: TurnPlan, history: Map<string, ExportTurn['messages'][number]>): Promise<ExportTurn> {
  const body = readFixture(plan.fixture.responseFile);
  const startedAt = new Date(plan.at);
  const turn = capturedTurn({
    requestId: plan.requestId,
    site: 'proxy',
    provider: plan.fixture.provider,
    api: plan.fixture.api,
    method: 'POST',
    path: `${plan.fixture.path}?beta=true`,
    status: 200,
    requestHeaders: { 'content-type': 'application/json', host: '127.0.0.1:8080', ...CLAUDE, ...plan.headers },
    responseHeaders: { 'content-type': plan.fixture.contentType, ...(plan.gzip ? { 'content-encoding': 'gzip' } : {}), 'request-id': 'req_upstream_1' },
    requestBody: Buffer.from(JSON.stringify(plan.request ?? plan.fixture.request)),
    responseBody: plan.gzip ? gzipSync(body) : body,
    startedAt,
    firstByteAt: new Date(startedAt.getTime() + 300),
    endedAt: new Date(startedAt.getTime() + 2_000),
    responseChunks: [
      [0, 300],
      [Math.floor(body.length / 2), 1_200],
    ],
  });
  const { record } = await toTurnRecord(turn, { reducers });
  return asExportTurn(record, plan.requestId.replace('req', 'turn'), history);
}

export function asExportTurn(r: TurnRecord, id: string, history: Map<string, ExportTurn['messages'][number]> = new Map()): ExportTurn {
  return exportTurnFromRecord(r, id, history);
}

/**
 * A Claude Code session of four turns: a tool call (get_weather), the follow-up that carries its
 * result, a gzip-encoded one-shot turn, and a subagent's turn cut by an upstream error.
 */
export async function claudeSession(): Promise<ExportSession> {
  const history = new Map<string, ExportTurn['messages'][number]>();
  const weather = toolUseFixture.request as { messages: unknown[] } & Record<string, unknown>;
  const followUp = {
    ...weather,
    messages: [
      ...weather.messages,
      // The first turn's answer, as the agent sends it back (the same node).
      { role: 'assistant', content: [{ type: 'text', text: "I'll check the weather for you." }, { type: 'tool_use', id: TOOL_CALL_ID, name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: TOOL_CALL_ID, content: '64°F, sunny' }] },
    ],
  };
  const turns = [
    await exportTurn({ fixture: toolUseFixture, requestId: 'req-1', at: '2026-11-30T10:00:00.000Z' }, history),
    await exportTurn({ fixture: textFixture, requestId: 'req-2', at: '2026-11-30T10:00:05.000Z', request: followUp }, history),
    await exportTurn({ fixture: oneShotFixture, requestId: 'req-3', at: '2026-11-30T10:00:09.000Z', gzip: true }, history),
    await exportTurn({ fixture: errorFixture, requestId: 'req-4', at: '2026-11-30T10:00:12.000Z', headers: { 'x-claude-code-agent-id': 'agent-7' } }, history),
  ];
  const session: ExportSessionInfo = { id: SESSION, name: null, harness: { id: 'claude', version: '2.0.31' }, agent: null, cwd: '/home/me/repo', started_at: turns[0]!.started_at!, ended_at: turns.at(-1)!.ended_at! };
  return { session, turns };
}

/** A reader over sessions in memory, as a store or the read API would answer. */
export function memoryReader(sessions: ExportSession[]): ExportReader & { turnReads: { id: string; bodies: boolean }[] } {
  const turnReads: { id: string; bodies: boolean }[] = [];
  return {
    turnReads,
    async session(id) {
      const found = sessions.find((s) => s.session.id === id);
      if (!found) throw new Error(`session ${id} not found`);
      const threads = [...new Set(found.turns.map((t) => t.thread_id))].map((thread) => ({ turns: found.turns.filter((t) => t.thread_id === thread).map((t) => ({ id: t.id, started_at: t.started_at })) }));
      return { ...found.session, threads };
    },
    async turn(id, options) {
      turnReads.push({ id, bodies: options.bodies });
      for (const s of sessions) {
        const turn = s.turns.find((t) => t.id === id);
        if (turn) return options.bodies ? turn : { ...turn, raw: undefined };
      }
      throw new Error(`turn ${id} not found`);
    },
  };
}
