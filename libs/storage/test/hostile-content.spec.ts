import { computeHash, createNode, type Bucket } from '@tapes/merkle';
import { InvalidTurnError } from '../src';
import { agentName, backends, chatNodes, suiteStore, turnRecord } from './support';

/**
 * Anything a client can send stores on both backends and reads back exactly (#12): NUL and lone
 * surrogates in every text a turn carries (PostgreSQL text refuses NUL; both drivers turn a lone
 * surrogate into U+FFFD when they encode UTF-8), very long strings, and timestamps at the ends of
 * what both backends hold. Nodes read back hash to their stored hash.
 */
const HOSTILE = ['nul:\u0000:end', 'lone high:\ud800:end', 'lone low:\udc00:end', '\u0000', 'esc-led:\u001bx', '"quoted"'];

describe.each(backends)('hostile content on $name', ({ create }) => {
  const suite = suiteStore(create);

  it.each(HOSTILE.map((h) => [JSON.stringify(h), h] as const))('stores %s in every text field and reads it back exactly', async (_shown, hostile) => {
    const agent = `${agentName('hostile')}${hostile}`;
    const bucket: Bucket = { type: 'message', role: 'assistant', model: `model ${hostile}`, provider: 'anthropic', agent_name: agent, content: [{ type: 'text', text: `text ${hostile}` }] };
    const node = createNode(bucket, null, { stop_reason: `stop ${hostile}`, project: `project ${hostile}` });
    const record = turnRecord([node], {
      requestId: `req ${hostile} ${Math.random()}`,
      agentName: agent,
      path: `/v1/messages?x=${hostile}`,
      responseContentType: `text/event-stream; x=${hostile}`,
      responseContentEncoding: `identity${hostile}`,
      requestHeaders: { 'x-hostile': hostile },
      diagnostics: [{ code: 'reducer_error', detail: `detail ${hostile}` }],
    });
    const result = await suite.store.storeTurn(record);
    expect(result.status).toBe('stored');
    const turn = await suite.store.getTurn(record.requestId);
    expect(turn).toMatchObject({
      requestId: record.requestId,
      agentName: agent,
      path: record.path,
      responseContentType: record.responseContentType,
      responseContentEncoding: record.responseContentEncoding,
      requestHeaders: { 'x-hostile': hostile },
      diagnostics: [{ code: 'reducer_error', detail: `detail ${hostile}` }],
    });
    const stored = await suite.store.getNode(node.hash);
    expect(stored?.bucket).toEqual(bucket);
    expect(stored?.stop_reason).toBe(`stop ${hostile}`);
    expect(stored?.project).toBe(`project ${hostile}`);
    expect(computeHash(stored!.bucket, null)).toBe(node.hash);
    // A replay of the same turn is a duplicate, not a second row or a conflict.
    expect((await suite.store.storeTurn(record)).status).toBe('duplicate');
  });

  it('finds a turn, its agent and a session by hostile keys, and answers "none" for a hostile key it does not hold', async () => {
    const agent = `${agentName('keys')}\u0000`;
    const record = turnRecord(chatNodes([['user', 'k']], 'v', { agent }), { requestId: `keys\u0000\ud800 ${Math.random()}`, agentName: agent });
    await suite.store.storeTurn(record);
    expect(await suite.store.hasTurn(record.requestId)).toBe(true);
    expect((await suite.store.leaves({ agent })).items.map((n) => n.bucket.agent_name)).toEqual([agent]);
    expect(await suite.store.getTurn('\u0000nothing')).toBeNull();
    expect(await suite.store.getSession('\u0000nothing')).toBeNull();
    expect(await suite.store.sessionTurns('\u0000nothing')).toEqual([]);
  });

  it('stores a very long model, stop reason and message text; the turn row keeps a shortened model label', async () => {
    const long = 'm'.repeat(50_000);
    const bucket: Bucket = { type: 'message', role: 'assistant', model: long, provider: 'anthropic', agent_name: agentName('long'), content: [{ type: 'text', text: 'x'.repeat(2_000_000) }] };
    const node = createNode(bucket, null, { stop_reason: 's'.repeat(10_000) });
    const record = turnRecord([node], { model: long });
    await suite.store.storeTurn(record);
    const stored = await suite.store.getNode(node.hash);
    expect(computeHash(stored!.bucket, null)).toBe(node.hash);
    expect(stored?.stop_reason).toHaveLength(10_000);
    const turn = await suite.store.getTurn(record.requestId, { bodies: false });
    expect(turn?.model).toBe(`${'m'.repeat(255)}…`);
  });

  it('refuses, naming the field, an indexed text too long for either backend (a 1,000-character CJK agent name)', async () => {
    const agent = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');
    const record = turnRecord(chatNodes([['user', 'k']], 'v', { agent }), { agentName: agent });
    await expect(suite.store.storeTurn(record)).rejects.toMatchObject({ constructor: InvalidTurnError, code: 'oversize_field', field: 'agentName' });
    expect(await suite.store.hasTurn(record.requestId)).toBe(false);
  });

  it.each([
    ['startedAt', '0000-01-01T00:00:00Z'],
    ['startedAt', '-001000-06-01T00:00:00Z'],
    ['endedAt', '+010000-01-01T00:00:00Z'],
    ['firstByteAt', '+275760-09-13T00:00:00Z'],
  ] as const)('refuses %s %s (outside years 1–9999) with the field named, and stores the ends of the range', async (field, time) => {
    const nodes = chatNodes([['user', 'time']], 'range', { agent: agentName('time') });
    const bad = turnRecord(nodes, { [field]: new Date(time) });
    await expect(suite.store.storeTurn(bad)).rejects.toMatchObject({ constructor: InvalidTurnError, code: 'invalid_field', field });
    const ends = turnRecord(nodes, { startedAt: new Date('0001-01-01T00:00:00Z'), firstByteAt: new Date('0001-01-01T00:00:00.001Z'), endedAt: new Date('9999-12-31T23:59:59.999Z') });
    await suite.store.storeTurn(ends);
    const turn = await suite.store.getTurn(ends.requestId, { bodies: false });
    expect([turn?.startedAt?.toISOString(), turn?.firstByteAt?.toISOString(), turn?.endedAt?.toISOString()]).toEqual(['0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00.001Z', '9999-12-31T23:59:59.999Z']);
  });
});
