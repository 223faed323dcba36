import type { TurnRecord } from '@tapes/capture';
import { agentName, backends, chatNodes, suiteStore, turnRecord } from './support';

/** A turn of a session: the whole conversation so far as request messages, then the reply. */
function sessionTurn(
  session: string,
  messages: Array<[string, string]>,
  reply: string,
  options: { agent: string; thread?: string; at: string; model?: string; usage?: { input: number; output: number; cacheRead?: number }; cost?: number; outcome?: TurnRecord['outcome'] },
): TurnRecord {
  const usage = { prompt_tokens: options.usage?.input ?? 10, completion_tokens: options.usage?.output ?? 5, ...(options.usage?.cacheRead ? { cache_read_input_tokens: options.usage.cacheRead } : {}) };
  const nodes = chatNodes(messages, reply, { agent: options.agent, model: options.model ?? 'claude-sonnet-4-5', usage });
  return turnRecord(nodes, {
    agentName: options.agent,
    outcome: options.outcome ?? 'complete',
    startedAt: new Date(options.at),
    endedAt: new Date(Date.parse(options.at) + 1_500),
    session: { id: session, threadId: options.thread ?? '', harnessId: 'claude', harnessVersion: '2.1.3', cwd: '/home/me/repo', name: undefined },
    model: options.model ?? 'claude-sonnet-4-5',
    usage,
    ...(options.cost !== undefined ? { cost: { usd: options.cost, priceVersion: 'test-1' } } : {}),
    nodeText: [...messages.map(([, t]) => t), reply],
  });
}

describe.each(backends)('sessions (#14) on $name', ({ create }) => {
  const suite = suiteStore(create);

  it('folds each stored turn into its session: counts, tokens, cost, span, threads, models and the first prompt', async () => {
    const agent = agentName('claude');
    const sid = `s-${agent}`;
    const first: Array<[string, string]> = [['user', 'fix the failing test in greet.ts']];
    await suite.store.storeTurn(sessionTurn(sid, first, 'Looking at it.', { agent, at: '2026-11-30T10:00:00.000Z', usage: { input: 100, output: 20, cacheRead: 50 }, cost: 0.01 }));
    const second: Array<[string, string]> = [...first, ['assistant', 'Looking at it.'], ['user', 'tool output: expected hello']];
    await suite.store.storeTurn(sessionTurn(sid, second, 'Fixed.', { agent, at: '2026-11-30T10:01:00.000Z', usage: { input: 140, output: 30 }, cost: 0.02, outcome: 'partial' }));
    // A subagent's turn: its own thread, its own first message, a cheaper model.
    await suite.store.storeTurn(sessionTurn(sid, [['user', 'search the codebase for greet']], 'Found it.', { agent, thread: 'agent-1', at: '2026-11-30T10:00:30.000Z', model: 'claude-haiku-4-5', usage: { input: 40, output: 10 } }));
    // The same request id again changes nothing.
    const again = sessionTurn(sid, first, 'Looking at it.', { agent, at: '2026-11-30T10:00:00.000Z' });
    await suite.store.storeTurn({ ...again, requestId: (await suite.store.sessionTurns(sid))[0]!.requestId });

    const session = await suite.store.getSession(sid);
    expect(session).toMatchObject({
      id: sid,
      harnessId: 'claude',
      harnessVersion: '2.1.3',
      agentName: agent,
      cwd: '/home/me/repo',
      firstPrompt: 'fix the failing test in greet.ts',
      startedAt: '2026-11-30T10:00:00.000000Z',
      endedAt: '2026-11-30T10:01:01.500000Z',
      turnCount: 3,
      threadCount: 2,
      outcomes: { complete: 2, partial: 1, unreduced: 0 },
      tokens: { input: 280, output: 60, cacheWrite: 0, cacheRead: 50, reasoning: 0 },
      models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    });
    expect(session!.costUsd).toBeCloseTo(0.03, 10);
    const turns = await suite.store.sessionTurns(sid);
    expect(turns.map((t) => [t.threadId, t.model])).toEqual([
      ['', 'claude-sonnet-4-5'],
      ['agent-1', 'claude-haiku-4-5'],
      ['', 'claude-sonnet-4-5'],
    ]);
    expect(turns[0]).toMatchObject({ tokens: { input: 100, output: 20, cacheRead: 50 }, costUsd: 0.01, outcome: 'complete', startedAt: expect.stringMatching(/^2026-11-30T10:00:00\.000/) });
  });

  it('groups the turns of a harness that names no session by their conversation root', async () => {
    const agent = agentName('gemini');
    const history: Array<[string, string]> = [['user', `explain the build ${agent}`]];
    const a = turnRecord(chatNodes(history, 'It uses esbuild.', { agent }), { agentName: agent, nodeText: [history[0]![1], 'It uses esbuild.'] });
    const b = turnRecord(chatNodes([...history, ['assistant', 'It uses esbuild.'], ['user', 'and the tests?']], 'Jest.', { agent }), { agentName: agent });
    await suite.store.storeTurn(a);
    await suite.store.storeTurn(b);
    const sid = `root:${a.nodes[0]!.hash}`;
    expect((await suite.store.getSession(sid))?.turnCount).toBe(2);
    expect((await suite.store.sessionTurns(sid)).map((t) => t.requestId)).toEqual([a.requestId, b.requestId]);
  });

  it('lists sessions newest first with filters and keyset pages, and sorts by cost and tokens', async () => {
    const agent = agentName('lister');
    for (let i = 0; i < 5; i++) {
      await suite.store.storeTurn(sessionTurn(`list-${agent}-${i}`, [['user', `task ${i} ${agent}`]], 'ok', { agent, at: `2026-11-2${i}T09:00:00.000Z`, usage: { input: 10 * (5 - i), output: 1 }, cost: i }));
    }
    const first = await suite.store.listSessions({ agent, limit: 2 });
    expect(first.items.map((s) => s.id)).toEqual([`list-${agent}-4`, `list-${agent}-3`]);
    const second = await suite.store.listSessions({ agent, limit: 2, cursor: first.nextCursor! });
    const third = await suite.store.listSessions({ agent, limit: 2, cursor: second.nextCursor! });
    expect([...second.items, ...third.items].map((s) => s.id)).toEqual([`list-${agent}-2`, `list-${agent}-1`, `list-${agent}-0`]);
    expect(third.nextCursor).toBeUndefined();
    expect((await suite.store.listSessions({ agent, sort: 'cost' })).items.map((s) => s.costUsd)).toEqual([4, 3, 2, 1, 0]);
    expect((await suite.store.listSessions({ agent, sort: 'tokens' })).items[0]!.id).toBe(`list-${agent}-0`);
    const byTokens = await suite.store.listSessions({ agent, sort: 'tokens', limit: 3 });
    expect((await suite.store.listSessions({ agent, sort: 'tokens', limit: 3, cursor: byTokens.nextCursor! })).items.map((s) => s.id)).toEqual([`list-${agent}-3`, `list-${agent}-4`]);
    expect((await suite.store.listSessions({ agent, since: new Date('2026-11-23T00:00:00Z') })).items).toHaveLength(2);
    expect((await suite.store.listSessions({ agent, until: new Date('2026-11-21T12:00:00Z') })).items).toHaveLength(2);
    expect((await suite.store.listSessions({ agent, harness: 'codex' })).items).toHaveLength(0);
    expect((await suite.store.listSessions({ agent, model: 'claude-sonnet-4-5' })).items).toHaveLength(5);
    expect((await suite.store.listSessions({ agent, text: `task 3` })).items.map((s) => s.id)).toContain(`list-${agent}-3`);
    await expect(suite.store.listSessions({ agent, sort: 'cost', cursor: first.nextCursor! })).rejects.toThrow(/cursor/);
  });

  it('finds a word from a tool result, names its turn and session, and marks it in a snippet', async () => {
    const agent = agentName('search');
    const word = `zebrafish${agent.replace(/[^a-z0-9]/g, '')}`;
    const turn = sessionTurn(`search-${agent}`, [['user', 'run the tests'], ['assistant', 'running'], ['user', `tool_result: 3 passed, ${word} failed`]], 'One failure.', { agent, at: '2026-11-30T11:00:00.000Z' });
    const stored = await suite.store.storeTurn(turn);
    const hits = await suite.store.search(word);
    expect(hits.items).toHaveLength(1);
    expect(hits.items[0]).toMatchObject({ turnId: stored.turnId, sessionId: `search-${agent}` });
    expect(hits.items[0]!.snippet).toContain(`[${word}]`);
    expect((await suite.store.search(`${word} nowhere-else-${agent.slice(-6)}`)).items).toHaveLength(0);
    expect((await suite.store.search('"); DROP TABLE turns; --')).items).toEqual(expect.any(Array));
  });

  it('deletes one of two sessions that share history, and the other keeps its whole ancestry', async () => {
    const agent = agentName('delete');
    const shared: Array<[string, string]> = [['user', `shared start ${agent}`]];
    const keep = await suite.store.storeTurn(sessionTurn(`keep-${agent}`, [...shared, ['assistant', 'A'], ['user', 'keep going']], 'kept', { agent, at: '2026-11-30T12:00:00.000Z' }));
    const gone = sessionTurn(`gone-${agent}`, [...shared, ['assistant', 'A'], ['user', 'something else']], 'gone reply', { agent, at: '2026-11-30T12:05:00.000Z' });
    await suite.store.storeTurn(gone);
    const before = await suite.store.counts();

    const result = await suite.store.deleteSession(`gone-${agent}`);
    // Only the divergent user message and the reply were the deleted session's alone.
    expect(result).toEqual({ turns: 1, nodes: 2 });
    expect(await suite.store.getSession(`gone-${agent}`)).toBeNull();
    expect(await suite.store.counts()).toEqual({ nodes: before.nodes - 2, turns: before.turns - 1 });
    const ancestry = await suite.store.ancestry(keep.headHash!);
    expect(ancestry).toMatchObject({ complete: true });
    expect(ancestry!.nodes).toHaveLength(4);
    expect(await suite.store.getNode(gone.nodes.at(-1)!.hash)).toBeNull();
    expect((await suite.store.search('something else')).items.filter((h) => h.sessionId === `gone-${agent}`)).toEqual([]);
    expect(await suite.store.deleteSession(`gone-${agent}`)).toBeNull();
  });

  it('expires sessions that ended before a cutoff, oldest first, in batches; shared history of a newer session stays (TAPES_RETENTION)', async () => {
    const agent = agentName('retention');
    const shared: Array<[string, string]> = [['user', `retention start ${agent}`]];
    const old1 = sessionTurn(`old1-${agent}`, [...shared, ['assistant', 'A'], ['user', 'old one']], 'r1', { agent, at: '2001-01-01T00:00:00.000Z' });
    const old2 = sessionTurn(`old2-${agent}`, [['user', `alone ${agent}`]], 'r2', { agent, at: '2001-01-01T01:00:00.000Z' });
    const fresh = sessionTurn(`new-${agent}`, [...shared, ['assistant', 'A'], ['user', 'new one']], 'r3', { agent, at: '2001-01-03T00:00:00.000Z' });
    for (const t of [old1, old2, fresh]) await suite.store.storeTurn(t);
    const cutoff = new Date('2001-01-02T00:00:00.000Z');

    expect(await suite.store.expireSessions(cutoff, { limit: 1 })).toEqual({ sessions: 1, turns: 1, nodes: 2 });
    expect(await suite.store.getSession(`old1-${agent}`)).toBeNull();
    expect(await suite.store.expireSessions(cutoff, { limit: 1 })).toEqual({ sessions: 1, turns: 1, nodes: 2 });
    expect(await suite.store.expireSessions(cutoff)).toEqual({ sessions: 0, turns: 0, nodes: 0 });
    expect(await suite.store.getSession(`new-${agent}`)).not.toBeNull();
    expect(await suite.store.ancestry(fresh.nodes.at(-1)!.hash)).toMatchObject({ complete: true });
  });

  it('sums turns, tokens and cost by day, model, agent and harness', async () => {
    const agent = agentName('stats');
    await suite.store.storeTurn(sessionTurn(`stats-${agent}`, [['user', 'a']], 'b', { agent, at: '2027-01-02T10:00:00.000Z', usage: { input: 7, output: 3 }, cost: 0.5 }));
    const stats = await suite.store.stats({ since: new Date('2027-01-02T00:00:00Z'), until: new Date('2027-01-02T23:59:59Z') });
    expect(stats.byDay).toEqual([{ key: '2027-01-02', turns: 1, tokens: { input: 7, output: 3, cacheWrite: 0, cacheRead: 0, reasoning: 0 }, costUsd: 0.5 }]);
    expect(stats.byAgent).toEqual([expect.objectContaining({ key: agent, turns: 1 })]);
    expect(stats.byHarness).toEqual([expect.objectContaining({ key: 'claude', turns: 1 })]);
    expect(stats.byModel).toEqual([expect.objectContaining({ key: 'claude-sonnet-4-5', turns: 1 })]);
  });
});
