import { createDefaultReducers, toTurnRecord, type TurnRecord } from '@tapes/capture';
import { fixtureTurn } from '@tapes/capture/testing';
import { ANTHROPIC_FIXTURES } from '@tapes/testing';
import { InvalidTurnError, storedTurnToCaptured } from '../src';
import { asStoredBeforeSessions } from '../src/testing';
import { agentName, backends, chatNodes, suiteStore, turnRecord } from './support';

/** A derivation of one request: its conversation, its session, its outcome. */
function derived(requestId: string, options: { agent: string; session?: string; at: string; reply?: string }): TurnRecord {
  const usage = { prompt_tokens: 10, completion_tokens: 4 };
  const messages: Array<[string, string]> = [['user', `tell me about ${options.agent}`]];
  const nodes = chatNodes(messages, options.reply ?? 'gladly', { agent: options.agent, model: 'claude-sonnet-4-5', usage });
  return turnRecord(nodes, {
    requestId,
    agentName: options.agent,
    startedAt: new Date(options.at),
    endedAt: new Date(Date.parse(options.at) + 1_000),
    session: { ...(options.session ? { id: options.session } : {}), threadId: '', harnessId: 'claude', cwd: '/repo' },
    model: 'claude-sonnet-4-5',
    usage,
    cost: { usd: 0.5, priceVersion: 'test-1' },
    nodeText: [messages[0]![1], options.reply ?? 'gladly'],
  });
}

describe.each(backends)('rederiveTurn (#16) on $name', ({ create }) => {
  const suite = suiteStore(create);

  it('replaces an unreduced turn stored before sessions existed with its derivation, in one go: nodes, outcome, session (the backfill), search text', async () => {
    const agent = agentName('backfill');
    const session = `s-${agent}`;
    const good = derived(`req-${agent}`, { agent, session, at: '2026-11-01T10:00:00Z', reply: 'zebrafish' });
    const { turnId } = await suite.store.storeTurn(asStoredBeforeSessions(good));
    expect((await suite.store.getTurn(turnId))?.sessionId).toBeNull();

    const dry = await suite.store.rederiveTurn(turnId, good, { dryRun: true });
    expect(dry).toMatchObject({ status: 'changed', createdNodes: 0, before: { outcome: 'unreduced', sessionId: null, headHash: null }, after: { outcome: 'complete', sessionId: session } });
    expect(await suite.store.getSession(session)).toBeNull();
    expect((await suite.store.getTurn(turnId))?.outcome).toBe('unreduced');

    const result = await suite.store.rederiveTurn(turnId, good);
    expect(result?.status).toBe('changed');
    expect(result?.changed).toEqual(expect.arrayContaining(['outcome', 'head_hash', 'session_id', 'diagnostics', 'tokens', 'cost']));
    expect(result?.createdNodes).toBe(2);
    const turn = await suite.store.getTurn(turnId);
    expect(turn).toMatchObject({ outcome: 'complete', headHash: good.nodes[1]!.hash, nodeCount: 2, newNodeCount: 2, sessionId: session, harnessId: 'claude', model: 'claude-sonnet-4-5', diagnostics: [] });
    expect(turn?.tokens).toMatchObject({ input: 10, output: 4 });
    expect(Buffer.from(turn!.responseBody!).equals(Buffer.from(good.responseBody!))).toBe(true);
    expect((await suite.store.getNode(good.nodes[1]!.hash))?.turn_id).toBe(turnId);
    expect(await suite.store.getSession(session)).toMatchObject({ turnCount: 1, outcomes: { complete: 1, partial: 0, unreduced: 0 }, tokens: { input: 10, output: 4 }, costUsd: 0.5, cwd: '/repo', firstPrompt: expect.stringContaining(agent) });
    expect((await suite.store.search('zebrafish')).items.map((h) => h.turnId)).toEqual([turnId]);

    // Idempotent: the same derivation again writes nothing.
    expect(await suite.store.rederiveTurn(turnId, good)).toMatchObject({ status: 'unchanged', changed: [] });
    expect((await suite.store.getSession(session))?.turnCount).toBe(1);
  });

  it('moves a turn between sessions: the old session is recounted, and removed once it has no turns', async () => {
    const agent = agentName('move');
    const old = `old-${agent}`;
    const fixed = `new-${agent}`;
    const first = derived(`req-1-${agent}`, { agent, session: old, at: '2026-11-02T10:00:00Z' });
    const second = derived(`req-2-${agent}`, { agent, session: old, at: '2026-11-02T11:00:00Z', reply: 'again' });
    const a = await suite.store.storeTurn(first);
    const b = await suite.store.storeTurn(second);
    expect((await suite.store.getSession(old))?.turnCount).toBe(2);

    await suite.store.rederiveTurn(a.turnId, { ...first, session: { ...first.session!, id: fixed } });
    expect(await suite.store.getSession(old)).toMatchObject({ turnCount: 1, startedAt: '2026-11-02T11:00:00.000000Z', tokens: { input: 10, output: 4 }, costUsd: 0.5 });
    expect(await suite.store.getSession(fixed)).toMatchObject({ turnCount: 1, startedAt: '2026-11-02T10:00:00.000000Z' });
    expect((await suite.store.sessionTurns(fixed)).map((t) => t.id)).toEqual([a.turnId]);

    const moved = await suite.store.rederiveTurn(b.turnId, { ...second, session: { ...second.session!, id: fixed } });
    expect(moved?.changed).toEqual(['session_id']);
    expect(await suite.store.getSession(old)).toBeNull();
    expect(await suite.store.getSession(fixed)).toMatchObject({ turnCount: 2, costUsd: 1, endedAt: '2026-11-02T11:00:01.000000Z' });
  });

  it('answers null for a turn that does not exist and refuses the derivation of another request', async () => {
    const agent = agentName('refuse');
    const record = derived(`req-${agent}`, { agent, session: `s-${agent}`, at: '2026-11-03T10:00:00Z' });
    expect(await suite.store.rederiveTurn('019a0000-0000-7000-8000-000000000000', record)).toBeNull();
    const { turnId } = await suite.store.storeTurn(record);
    await expect(suite.store.rederiveTurn(turnId, { ...record, requestId: 'someone-else' })).rejects.toThrow(InvalidTurnError);
    expect((await suite.store.getTurn(turnId))?.outcome).toBe('complete');
  });

  it('lists turn ids in the order they were stored, after a cursor and since a time', async () => {
    const agent = agentName('list');
    const ids: string[] = [];
    for (const at of ['2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z']) {
      ids.push((await suite.store.storeTurn(derived(`req-${at}-${agent}`, { agent, at }))).turnId);
    }
    expect(await suite.store.listTurnIds({ since: new Date('2030-01-01T00:00:00Z') })).toEqual(ids);
    expect(await suite.store.listTurnIds({ since: new Date('2030-01-02T00:00:00Z') })).toEqual(ids.slice(1));
    expect(await suite.store.listTurnIds({ since: new Date('2030-01-01T00:00:00Z'), after: ids[0], limit: 1 })).toEqual([ids[1]]);
    const all = await suite.store.listTurnIds({ limit: 10_000 });
    expect(all).toEqual([...all].sort());
  });

  it('re-derives a stored captured turn from its raw bytes to the same derivation (storedTurnToCaptured)', async () => {
    const reducers = createDefaultReducers();
    for (const fixture of ANTHROPIC_FIXTURES.filter((f) => ['anthropic/messages_tool_use', 'anthropic/messages_truncated_stream'].includes(f.name))) {
      const turn = fixtureTurn(fixture, {
        requestId: `req-raw-${fixture.name}-${agentName('raw')}`,
        requestHeaders: { 'content-type': 'application/json', 'x-claude-code-session-id': 'raw-session' },
        interruption: fixture.complete ? undefined : { reason: 'client_disconnect', detail: 'the client went away' },
        startedAt: new Date('2026-11-04T10:00:00Z'),
        endedAt: new Date('2026-11-04T10:00:02Z'),
      });
      const { record } = await toTurnRecord(turn, { reducers });
      const { turnId } = await suite.store.storeTurn(record);
      const stored = await suite.store.getTurn(turnId, { bodies: true });
      const again = (await toTurnRecord(storedTurnToCaptured(stored!), { reducers })).record;
      expect({ outcome: again.outcome, nodes: again.nodes.map((n) => n.hash), diagnostics: again.diagnostics }).toEqual({ outcome: record.outcome, nodes: record.nodes.map((n) => n.hash), diagnostics: record.diagnostics });
      expect(await suite.store.rederiveTurn(turnId, again)).toMatchObject({ status: 'unchanged' });
    }
  });
});
