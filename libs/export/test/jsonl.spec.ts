import { capturedTurn, createDefaultReducers, toTurnRecord } from '@tapes/capture';
import { readFixture, TURN_FIXTURES } from '@tapes/testing';
import { exportSessions, JsonlWriter, jsonlLineSchema, type ExportTurn, type JsonlLine } from '../src';
import { asExportTurn, claudeSession, exportTurn, memoryReader, SESSION } from './support/export-turns';

async function collect(generator: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const piece of generator) out += piece;
  return out;
}

function lines(text: string): JsonlLine[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => jsonlLineSchema.parse(JSON.parse(line)));
}

describe('JSONL export (#16): one turn per line, docs/export.md', () => {
  it('writes one line per turn, oldest first across threads, each valid against the published schema', async () => {
    const session = await claudeSession();
    const text = await collect(exportSessions(memoryReader([session]), [SESSION], 'jsonl', { version: 'test' }));
    const parsed = lines(text);
    expect(parsed.map((l) => l.request_id)).toEqual(['req-1', 'req-2', 'req-3', 'req-4']);
    expect(parsed.map((l) => l.thread_id)).toEqual(['', '', '', 'agent-7']);
    expect(parsed[0]).toMatchObject({ schema: 'tapes.turn.v1', session_id: SESSION, harness: { id: 'claude', version: '2.0.31' }, provider: 'anthropic', api: 'anthropic.messages', outcome: 'complete', path: '/v1/messages?beta=true', status: 200 });
    expect(parsed[0]!.usage.output).toBeGreaterThan(0);
    expect(parsed[3]).toMatchObject({ outcome: 'partial', diagnostics: [expect.objectContaining({ code: 'upstream_error' })] });
    // Without --bodies, nothing raw: the lines are the conversation and its accounting.
    expect(parsed.every((l) => l.raw === undefined)).toBe(true);
  });

  it('writes each node once per file, and every turn’s conversation can be rebuilt from its head', async () => {
    const session = await claudeSession();
    const parsed = lines(await collect(exportSessions(memoryReader([session]), [SESSION], 'jsonl', { version: 'test' })));
    const all = parsed.flatMap((l) => l.nodes);
    expect(new Set(all.map((n) => n.hash)).size).toBe(all.length);
    const byHash = new Map(all.map((n) => [n.hash, n]));
    for (const [i, line] of parsed.entries()) {
      const chain: string[] = [];
      for (let hash = line.head_hash; hash; hash = byHash.get(hash)?.parent_hash ?? null) chain.unshift(hash);
      expect(chain).toEqual(session.turns[i]!.messages.map((m) => m.hash));
      expect(chain).toHaveLength(line.node_count);
    }
    // The follow-up repeats the first turn's history: its line only carries what was new.
    expect(parsed[1]!.nodes.map((n) => n.role)).toEqual(['user', 'assistant']);
    expect(parsed[1]!.nodes[0]!.content).toEqual([expect.objectContaining({ type: 'tool_result', tool_result_id: 'toolu_FIXTURE0000000000000' })]);
  });

  it('with bodies, carries the exchange as captured: redacted headers, bytes still encoded, chunk timing', async () => {
    const session = await claudeSession();
    const reader = memoryReader([session]);
    const parsed = lines(await collect(exportSessions(reader, [SESSION], 'jsonl', { version: 'test', bodies: true })));
    expect(reader.turnReads.every((r) => r.bodies)).toBe(true);
    const gzip = parsed[2]!.raw!;
    expect(gzip.response_content_encoding).toBe('gzip');
    expect(Buffer.from(gzip.response_body_base64!, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gzip.request_headers!['x-api-key']).toMatch(/^\[redacted:\d+\]$/);
    expect(parsed[0]!.raw!.response_chunks).toEqual([[0, 300], [expect.any(Number), 1_200]]);
  });

  it.each(TURN_FIXTURES.map((f) => [f.name, f] as const))('%s exports as a valid line', async (_name, fixture) => {
    const turn = await exportTurn({ fixture, requestId: `req-${fixture.name}`, at: '2026-11-30T10:00:00.000Z' }, new Map());
    const line = new JsonlWriter({ bodies: true }).line(turn);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const parsed = jsonlLineSchema.parse(JSON.parse(line));
    expect(parsed.nodes).toHaveLength(turn.messages.length);
    expect(parsed.outcome).toEqual(fixture.complete ? 'complete' : expect.stringMatching(/partial|unreduced/));
  });

  it('refuses a line that strays from the schema (it is strict: a renamed field fails)', () => {
    const ok = { ...JSON.parse(new JsonlWriter().line(stubTurn())) };
    expect(jsonlLineSchema.safeParse(ok).success).toBe(true);
    expect(jsonlLineSchema.safeParse({ ...ok, tokens: ok.usage }).success).toBe(false);
    expect(jsonlLineSchema.safeParse({ ...ok, schema: 'tapes.turn.v0' }).success).toBe(false);
  });

  it('exports an unreduced turn (raw bytes only, no nodes) as a valid line with a null head', async () => {
    const reducers = createDefaultReducers();
    const fixture = TURN_FIXTURES[0]!;
    const { record } = await toTurnRecord(
      capturedTurn({ requestId: 'r-unreduced', site: 'proxy', provider: fixture.provider, api: fixture.api, method: 'POST', path: fixture.path, status: 200, requestHeaders: {}, responseHeaders: {}, requestBody: Buffer.from('not json'), responseBody: readFixture(fixture.responseFile), startedAt: new Date(0), endedAt: new Date(5) }),
      { reducers },
    );
    expect(record.outcome).toBe('unreduced');
    const line = jsonlLineSchema.parse(JSON.parse(new JsonlWriter({ bodies: true }).line(asExportTurn(record, 'turn-unreduced'))));
    expect(line).toMatchObject({ outcome: 'unreduced', head_hash: null, node_count: 0, nodes: [], diagnostics: [expect.objectContaining({ code: 'parse_error' })] });
    expect(Buffer.from(line.raw!.request_body_base64!, 'base64').toString()).toBe('not json');
  });
});

function stubTurn(): ExportTurn {
  return {
    id: 't',
    request_id: 'r',
    session_id: null,
    thread_id: '',
    provider: 'openai',
    api: 'openai.chat_completions',
    agent: null,
    model: null,
    outcome: 'complete',
    diagnostics: [],
    head_hash: null,
    nodes: 0,
    new_nodes: 0,
    tokens: { input: 0, output: 0, cache_write: 0, cache_read: 0, reasoning: 0, total: 0 },
    cost_usd: null,
    started_at: null,
    first_byte_at: null,
    ended_at: null,
    ttfb_ms: null,
    duration_ms: null,
    capture_site: 'ingest',
    method: null,
    path: null,
    status: null,
    harness: { id: null, version: null },
    request_headers: null,
    response_headers: null,
    response_content_type: null,
    response_content_encoding: null,
    messages: [],
  };
}
