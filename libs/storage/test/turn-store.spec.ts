import { computeHash, createNode, type Node } from '@tapes/merkle';
import { createTcpOutageProxy } from '@tapes/testing';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  InvalidCursorError,
  InvalidTurnError,
  MAX_PAGE_SIZE,
  StorageUnavailableError,
  openStorage,
  type StoredNode,
  type TurnStore,
} from '../src';
import { USAGE, agentName, backends, chatNodes, turnRecord, untilWaitingOnLock, type TestDatabase } from './support';

describe.each(backends)('TurnStore on $name', ({ backend, create }) => {
  let db: TestDatabase;
  let store: TurnStore;
  const extraStores: TurnStore[] = [];

  /** Another store (own connection / pool) on the same database. */
  async function anotherStore(): Promise<TurnStore> {
    const s = await openStorage({ url: db.url, migrate: false });
    extraStores.push(s);
    return s;
  }

  beforeAll(async () => {
    db = await create();
    store = await openStorage({ url: db.url });
  });

  afterAll(async () => {
    await Promise.all(extraStores.map((s) => s.close()));
    await store?.close();
    await db?.teardown();
  });

  it('reports its backend', () => {
    expect(store.backend).toBe(backend);
  });

  describe('storeTurn', () => {
    it('stores the nodes and the raw turn in one go and reads both back', async () => {
      const agent = agentName('store');
      const nodes = chatNodes([['user', 'hello']], 'hi there', { agent, project: 'tapes' });
      const startedAt = new Date('2026-01-02T03:04:05.006Z');
      const record = turnRecord(nodes, {
        startedAt,
        firstByteAt: new Date(startedAt.getTime() + 10),
        endedAt: new Date(startedAt.getTime() + 20),
        responseContentEncoding: 'gzip',
        diagnostics: [{ code: 'incomplete', detail: 'no message_stop', data: { at: 3 } }],
        outcome: 'partial',
      });
      const result = await store.storeTurn(record);
      expect(result).toEqual({
        status: 'stored',
        turnId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        headHash: nodes[1]!.hash,
        nodeCount: 2,
        newNodeCount: 2,
      });

      const head = await store.getNode(nodes[1]!.hash);
      expect(head).toEqual({ ...nodes[1], created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), turn_id: result.turnId });
      expect(head!.usage).toEqual(USAGE);
      expect(head!.stop_reason).toBe('end_turn');
      expect(head!.project).toBe('tapes');
      // What is stored is exactly what was hashed.
      expect(computeHash(head!.bucket, head!.parent_hash)).toBe(head!.hash);

      for (const key of [result.turnId, record.requestId]) {
        const turn = await store.getTurn(key);
        expect(turn).toMatchObject({
          id: result.turnId,
          requestId: record.requestId,
          provider: 'anthropic',
          api: 'anthropic.messages',
          agentName: agent,
          captureSite: 'proxy',
          method: 'POST',
          path: '/v1/messages',
          status: 200,
          requestHeaders: record.requestHeaders,
          responseHeaders: record.responseHeaders,
          responseContentType: 'text/event-stream',
          responseContentEncoding: 'gzip',
          headHash: nodes[1]!.hash,
          nodeCount: 2,
          newNodeCount: 2,
          outcome: 'partial',
          diagnostics: record.diagnostics,
          startedAt,
          firstByteAt: record.firstByteAt,
          endedAt: record.endedAt,
        });
        expect(Buffer.from(turn!.requestBody!)).toEqual(record.requestBody);
        expect(Buffer.from(turn!.responseBody!)).toEqual(record.responseBody);
        expect(turn!.createdAt).toBeInstanceOf(Date);
      }
      const light = await store.getTurn(record.requestId, { bodies: false });
      expect(light!.requestBody).toBeUndefined();
      expect(light!.responseBody).toBeUndefined();
      expect(await store.hasTurn(record.requestId)).toBe(true);
      expect(await store.hasTurn('no-such-request')).toBe(false);
      expect(await store.getTurn('no-such-turn')).toBeNull();
      expect(await store.getNode('0'.repeat(64))).toBeNull();
    });

    it('keeps multi-megabyte bodies byte for byte', async () => {
      const body = Buffer.alloc(12 * 1024 * 1024);
      for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
      const record = turnRecord(chatNodes([['user', 'big']], 'body', { agent: agentName('big') }), { responseBody: body });
      await store.storeTurn(record);
      const turn = await store.getTurn(record.requestId);
      expect(Buffer.from(turn!.responseBody!).equals(body)).toBe(true);
    });

    it('stores an unreduced turn (raw bytes, no nodes) with a null head', async () => {
      const record = turnRecord([], { outcome: 'unreduced', diagnostics: [{ code: 'empty_response', detail: 'html' }] });
      const result = await store.storeTurn(record);
      expect(result).toMatchObject({ status: 'stored', headHash: null, nodeCount: 0, newNodeCount: 0 });
      expect((await store.getTurn(record.requestId))!.headHash).toBeNull();
    });

    it('keeps content the hash covers byte for byte: NUL, lone surrogates, unicode, nested tool input', async () => {
      const bucket = {
        type: 'message',
        role: 'assistant',
        model: 'm',
        provider: 'anthropic',
        agent_name: agentName('fidelity'),
        content: [
          { type: 'text', text: 'nul:\u0000 lone:\ud800 emoji:😀 line-sep:\u2028' },
          { type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'f', tool_input: { a: [1, 2.5, { b: null }], 'ü': true } },
          { type: 'thinking', thinking: '', thinking_signature: 'sig==' },
        ],
      };
      const node = createNode(bucket, null);
      await store.storeTurn(turnRecord([node]));
      const stored = await store.getNode(node.hash);
      expect(stored!.bucket).toEqual(bucket);
      expect(computeHash(stored!.bucket, null)).toBe(node.hash);
    });

    it('gives a turn’s nodes microsecond, strictly increasing created_at, root first', async () => {
      const nodes = chatNodes([['user', 'a'], ['assistant', 'b'], ['user', 'c']], 'd', { agent: agentName('clock') });
      await store.storeTurn(turnRecord(nodes));
      const stamps = (await Promise.all(nodes.map((n) => store.getNode(n.hash)))).map((n) => n!.created_at);
      expect([...stamps].sort()).toEqual(stamps);
      expect(new Set(stamps).size).toBe(stamps.length);
    });
  });

  describe('deduplication', () => {
    it('dedups a replayed prefix: 3 then 5 unique nodes, 1 leaf, ancestry of 5 newest first (ref §1.4)', async () => {
      const agent = agentName('replay');
      const before = await store.counts();
      const turn1 = chatNodes([['system', 'be brief'], ['user', 'hi']], 'hello', { agent });
      const r1 = await store.storeTurn(turnRecord(turn1));
      expect(r1).toMatchObject({ status: 'stored', nodeCount: 3, newNodeCount: 3 });
      expect((await store.counts()).nodes - before.nodes).toBe(3);

      const turn2 = chatNodes([['system', 'be brief'], ['user', 'hi'], ['assistant', 'hello'], ['user', 'bye']], 'see you', {
        agent,
      });
      // The replayed assistant message hashes like turn 1's response node.
      expect(turn2[2]!.hash).toBe(turn1[2]!.hash);
      const r2 = await store.storeTurn(turnRecord(turn2));
      expect(r2).toMatchObject({ status: 'stored', nodeCount: 5, newNodeCount: 2, headHash: turn2[4]!.hash });
      expect((await store.counts()).nodes - before.nodes).toBe(5);
      expect((await store.counts()).turns - before.turns).toBe(2);

      const leaves = await store.leaves({ agent });
      expect(leaves.items.map((n) => n.hash)).toEqual([turn2[4]!.hash]);

      const chain = await store.ancestry(turn2[4]!.hash);
      expect(chain!.complete).toBe(true);
      expect(chain!.nodes.map((n) => n.bucket.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'system']);
      expect(chain!.nodes.map((n) => n.hash)).toEqual([...turn2].reverse().map((n) => n.hash));
      // The first writer's metadata is kept: turn 1's response keeps its usage after the replay.
      expect((await store.getNode(turn1[2]!.hash))!.usage).toEqual(USAGE);
    });

    it('answers duplicate for a requestId stored before, and changes nothing', async () => {
      const nodes = chatNodes([['user', 'again?']], 'again', { agent: agentName('dup') });
      const record = turnRecord(nodes);
      const first = await store.storeTurn(record);
      const before = await store.counts();
      const second = await store.storeTurn(record);
      expect(second).toEqual({ ...first, status: 'duplicate' });
      // The same bytes derived again (a newer reducer, other nodes) are still the same turn.
      const rederived = await store.storeTurn({ ...record, nodes: chatNodes([['user', 'different']], 'x') });
      expect(rederived).toEqual({ ...first, status: 'duplicate' });
      // A body stored as null (none) and an empty one are the same content.
      const empty = turnRecord(chatNodes([['user', 'no body']], 'ok', { agent: agentName('dup-empty') }), { requestBody: undefined });
      const emptyFirst = await store.storeTurn(empty);
      expect(await store.storeTurn({ ...empty, requestBody: new Uint8Array(0) })).toEqual({ ...emptyFirst, status: 'duplicate' });
      expect((await store.counts()).turns).toBe(before.turns + 1);
    });

    it.each([
      { part: 'response', change: { responseBody: Buffer.from('event: message_start\ndata: {"other":true}\n\n') } },
      { part: 'request', change: { requestBody: Buffer.from('{"model":"other-model"}') } },
    ])('refuses a reused requestId with a different $part body (#13): request_id_conflict, the original kept', async ({ change }) => {
      const record = turnRecord(chatNodes([['user', 'conflict?']], 'first', { agent: agentName('conflict') }));
      const first = await store.storeTurn(record);
      const before = await store.counts();
      const refused = store.storeTurn({ ...record, ...change, nodes: chatNodes([['user', 'conflict?']], 'second', { agent: agentName('conflict') }) });
      await expect(refused).rejects.toBeInstanceOf(InvalidTurnError);
      await expect(refused).rejects.toMatchObject({ code: 'request_id_conflict', field: 'requestId', message: expect.stringContaining(record.requestId) });
      expect(await store.counts()).toEqual(before);
      const kept = await store.getTurn(record.requestId);
      expect(kept?.id).toBe(first.turnId);
      expect(Buffer.from(kept!.responseBody!).equals(Buffer.from(record.responseBody!))).toBe(true);
    });

    it('of several stores racing one requestId with different content, one stores and the others conflict', async () => {
      const stores = [store, ...(await Promise.all([1, 2, 3].map(() => anotherStore())))];
      const requestId = `req-race-${agentName('conflict')}`;
      const results = await Promise.allSettled(
        stores.map((s, i) => s.storeTurn(turnRecord(chatNodes([['user', 'which?']], `answer ${i}`, { agent: agentName('c') }), { requestId, responseBody: Buffer.from(`body ${i}`) }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled' && r.value.status === 'stored')).toHaveLength(1);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused).toHaveLength(stores.length - 1);
      expect(refused.every((r) => (r.reason as InvalidTurnError).code === 'request_id_conflict')).toBe(true);
    });

    it('stores a turn raced from several stores exactly once; the others answer duplicate', async () => {
      const stores = [store, ...(await Promise.all([1, 2, 3, 4].map(() => anotherStore())))];
      const nodes = chatNodes([['user', 'race']], 'won', { agent: agentName('race') });
      const record = turnRecord(nodes);
      const before = await store.counts();
      const results = await Promise.all(stores.map((s) => s.storeTurn(record)));
      expect(results.filter((r) => r.status === 'stored')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(stores.length - 1);
      expect(new Set(results.map((r) => r.turnId)).size).toBe(1);
      expect(results.every((r) => r.newNodeCount === 2 && r.headHash === nodes[1]!.hash)).toBe(true);
      const after = await store.counts();
      expect(after.turns - before.turns).toBe(1);
      expect(after.nodes - before.nodes).toBe(2);
    });

    it('lets concurrent turns sharing nodes all succeed, each node written once, first metadata kept', async () => {
      const stores = [store, ...(await Promise.all([1, 2, 3].map(() => anotherStore())))];
      const agent = agentName('shared');
      const nodes = chatNodes([['user', 'shared question']], 'shared answer', { agent });
      const before = await store.counts();
      const results = await Promise.all(
        stores.map((s, i) =>
          s.storeTurn(turnRecord(nodes.map((n) => ({ ...n, project: `p${i}` })), { captureSite: i % 2 ? 'ingest' : 'sidecar' })),
        ),
      );
      expect(results.every((r) => r.status === 'stored')).toBe(true);
      expect(results.reduce((sum, r) => sum + r.newNodeCount, 0)).toBe(2);
      const after = await store.counts();
      expect(after.nodes - before.nodes).toBe(2);
      expect(after.turns - before.turns).toBe(stores.length);
      const winner = results.findIndex((r) => r.newNodeCount > 0);
      expect((await store.getNode(nodes[0]!.hash))!.project).toBe(`p${winner}`);
    });

    it('does not lose usage when turn N+1 is stored before turn N (ref §9.3)', async () => {
      const agent = agentName('usage-race');
      const turnN = chatNodes([['user', 'q1']], 'a1', { agent, usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });
      const turnN1 = chatNodes([['user', 'q1'], ['assistant', 'a1'], ['user', 'q2']], 'a2', { agent });
      // Turn N+1 replays turn N's response as a request message: same hash, no usage.
      expect(turnN1[1]!.hash).toBe(turnN[1]!.hash);
      expect(turnN1[1]!.usage).toBeUndefined();

      await store.storeTurn(turnRecord(turnN1));
      expect((await store.getNode(turnN[1]!.hash))!.usage).toBeUndefined();
      const late = await store.storeTurn(turnRecord(turnN));
      expect(late).toMatchObject({ status: 'stored', newNodeCount: 0 });
      const response = await store.getNode(turnN[1]!.hash);
      expect(response!.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
      expect(response!.stop_reason).toBe('end_turn');
    });

    it('does not lose usage when turns N and N+1 race from different stores', async () => {
      const other = await anotherStore();
      for (let round = 0; round < 5; round++) {
        const agent = agentName(`usage-concurrent-${round}`);
        const turnN = chatNodes([['user', `q${round}`]], `a${round}`, { agent });
        const turnN1 = chatNodes([['user', `q${round}`], ['assistant', `a${round}`], ['user', 'next']], 'more', { agent });
        const order = round % 2 ? [store, other] : [other, store];
        await Promise.all([order[0]!.storeTurn(turnRecord(turnN1)), order[1]!.storeTurn(turnRecord(turnN))]);
        expect((await store.getNode(turnN[1]!.hash))!.usage).toEqual(USAGE);
      }
    });
  });

  describe('ancestry', () => {
    it('walks a chain longer than 10,000 nodes to its root, and stops at a limit when asked', async () => {
      const agent = agentName('deep');
      const nodes: Node[] = [];
      let parent: Node | null = null;
      for (let i = 0; i < 10_050; i++) {
        parent = createNode(
          { type: 'message', role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: `m${i}` }], model: 'm', provider: 'p', agent_name: agent },
          parent,
        );
        nodes.push(parent);
      }
      // Two turns, so the second one's first parent is a stored node.
      await store.storeTurn(turnRecord(nodes.slice(0, 6_000)));
      await store.storeTurn(turnRecord(nodes.slice(6_000)));
      const chain = await store.ancestry(nodes.at(-1)!.hash);
      expect(chain!.complete).toBe(true);
      expect(chain!.nodes).toHaveLength(10_050);
      expect(chain!.nodes[0]!.hash).toBe(nodes.at(-1)!.hash);
      expect(chain!.nodes.at(-1)!.hash).toBe(nodes[0]!.hash);
      expect(chain!.nodes.at(-1)!.parent_hash).toBeNull();
      expect(chain!.nodes.every((n, i) => n.hash === nodes[nodes.length - 1 - i]!.hash)).toBe(true);

      const cut = await store.ancestry(nodes.at(-1)!.hash, { limit: 2_500 });
      expect(cut).toMatchObject({ complete: false, truncated: true });
      expect(cut!.nodes).toHaveLength(2_500);
    });

    it('is null for an unknown hash; a root is a complete chain of one', async () => {
      expect(await store.ancestry('f'.repeat(64))).toBeNull();
      const [root] = chatNodes([['user', 'lonely']], 'x', { agent: agentName('root') });
      await store.storeTurn(turnRecord(chatNodes([['user', 'lonely']], 'x', { agent: root!.bucket.agent_name })));
      const chain = await store.ancestry(root!.hash);
      expect(chain).toMatchObject({ complete: true });
      expect(chain!.nodes.map((n) => n.hash)).toEqual([root!.hash]);
    });

    it('reports a dangling parent and guards against cycles (rows written around the foreign key)', async () => {
      const a = '1'.repeat(64);
      const b = '2'.repeat(64);
      const dangling = '3'.repeat(64);
      const missing = '4'.repeat(64);
      // Storage never writes such rows (FK + hash chain); a restored or hand-edited database might.
      await writeRowsWithoutForeignKeys(db.url, backend, [
        [a, b],
        [b, a],
        [dangling, missing],
      ]);
      expect(await store.ancestry(dangling)).toMatchObject({ complete: false, missingParent: missing });
      const cycle = await store.ancestry(a);
      expect(cycle).toMatchObject({ complete: false, cycle: true });
      expect(cycle!.nodes.map((n) => n.hash)).toEqual([a, b]);
    });
  });

  describe('pagination', () => {
    let agent: string;
    let all: string[];

    beforeAll(async () => {
      agent = agentName('pages');
      for (let t = 0; t < 8; t++) {
        await store.storeTurn(turnRecord(chatNodes([['user', `q${t}`], ['assistant', `a${t}`], ['user', `r${t}`]], `z${t}`, { agent })));
      }
      all = [];
      let cursor: string | undefined;
      do {
        const page = await store.listNodes({ agent, limit: 500, cursor });
        all.push(...page.items.map((n) => n.hash));
        cursor = page.nextCursor;
      } while (cursor);
    });

    it('walks every node of an agent page by page, oldest first, without gaps or repeats', async () => {
      expect(all).toHaveLength(32);
      const seen: StoredNode[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listNodes({ agent, limit: 5, cursor });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(7);
      expect(seen.map((n) => n.hash)).toEqual(all);
      const keys = seen.map((n) => `${n.created_at} ${n.hash}`);
      expect([...keys].sort()).toEqual(keys);
      expect(seen.every((n) => n.bucket.agent_name === agent)).toBe(true);
    });

    it('walks the whole table unfiltered and finds every node once', async () => {
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await store.listNodes({ limit: 97, cursor });
        for (const n of page.items) {
          expect(seen.has(n.hash)).toBe(false);
          seen.add(n.hash);
        }
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.size).toBe((await store.counts()).nodes);
    });

    it('pages the leaves newest first', async () => {
      const leaves: StoredNode[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.leaves({ agent, limit: 3, cursor });
        leaves.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(leaves).toHaveLength(8);
      expect(leaves.every((n) => n.bucket.role === 'assistant')).toBe(true);
      const keys = leaves.map((n) => `${n.created_at} ${n.hash}`);
      expect([...keys].sort().reverse()).toEqual(keys);
    });

    it('has no cursor on the last page, and clamps the page size', async () => {
      expect((await store.listNodes({ agent, limit: 32 })).nextCursor).toBeUndefined();
      expect((await store.listNodes({ agent, limit: 31 })).nextCursor).toBeDefined();
      expect((await store.listNodes({ limit: 10_000 })).items.length).toBeLessThanOrEqual(MAX_PAGE_SIZE);
      expect((await store.listNodes({ agent })).items).toHaveLength(32); // default 50
      expect((await store.listNodes({ agent, limit: 0 })).items).toHaveLength(1);
      expect((await store.listNodes({ agent: agentName('nobody') })).items).toEqual([]);
    });

    it.each(['not-base64!!!', 'YWJjZA', 'e30', 'eyJ0IjoiYWJjIn0', Buffer.from('{"t":"2026-04-01T12:34:56.123456Z"}').toString('base64url')])(
      'refuses the cursor %s with InvalidCursorError',
      async (cursor) => {
        await expect(store.listNodes({ cursor })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.leaves({ cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      },
    );
  });

  describe('refusing bad turns', () => {
    const good = () => chatNodes([['user', 'valid?']], 'yes', { agent: agentName('bad') });

    it.each([
      {
        code: 'missing_parent',
        turn: () => {
          const orphan = createNode({ type: 'message', role: 'user', content: [], model: 'm', provider: 'p' }, '9'.repeat(64));
          return turnRecord([orphan]);
        },
      },
      {
        code: 'invalid_hash',
        turn: () => {
          const nodes = good();
          return turnRecord([nodes[0]!, { ...nodes[1]!, bucket: { ...nodes[1]!.bucket, model: 'tampered' } }]);
        },
      },
      {
        code: 'broken_chain',
        turn: () => {
          const nodes = good();
          const stray = createNode({ type: 'message', role: 'user', content: [], model: 'm', provider: 'p' }, null);
          return turnRecord([nodes[0]!, stray]);
        },
      },
      { code: 'oversize_field', turn: () => turnRecord(good(), { requestBody: new Uint8Array(64 * 1024 * 1024 + 1) }) },
      { code: 'oversize_field', turn: () => turnRecord(good(), { path: `/${'x'.repeat(9000)}` }) },
      { code: 'invalid_field', turn: () => turnRecord(good(), { captureSite: 'carrier-pigeon' as 'proxy' }) },
      { code: 'invalid_field', turn: () => turnRecord(good(), { requestId: '' }) },
      { code: 'invalid_field', turn: () => turnRecord(good(), { status: 2.5 }) },
    ])('refuses $code and writes nothing', async ({ code, turn }) => {
      const before = await store.counts();
      const record = turn();
      const error = await store.storeTurn(record).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTurnError);
      expect((error as InvalidTurnError).code).toBe(code);
      expect(await store.counts()).toEqual(before);
      expect(await store.hasTurn(record.requestId)).toBe(false);
    });

    it('honours lower caps given at open time', async () => {
      const small = await openStorage({ url: db.url, migrate: false, limits: { maxBodyBytes: 10 } });
      try {
        await expect(small.storeTurn(turnRecord(good(), { requestBody: undefined, responseBody: new Uint8Array(11) }))).rejects.toMatchObject({
          code: 'oversize_field',
          field: 'responseBody',
        });
      } finally {
        await small.close();
      }
    });
  });

  describe('availability', () => {
    it('throws StorageUnavailableError while the database is unavailable, and recovers after', async () => {
      const s = await openStorage({ url: db.url, migrate: false, busyTimeoutMs: 100, connectTimeoutMs: 1_000 });
      try {
        const nodes = chatNodes([['user', 'outage']], 'later', { agent: agentName('outage') });
        const record = turnRecord(nodes);
        const restore = await db.outage();
        try {
          const error = await s.storeTurn(record).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(StorageUnavailableError);
          expect((error as StorageUnavailableError).cause).toBeDefined();
          if (backend === 'postgresql') {
            await expect(s.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
            await expect(s.getNode(nodes[0]!.hash)).rejects.toBeInstanceOf(StorageUnavailableError);
          }
        } finally {
          await restore();
        }
        await expect(s.storeTurn(record)).resolves.toMatchObject({ status: 'stored' });
        await expect(s.ping()).resolves.toBeUndefined();
      } finally {
        await s.close();
      }
    });

    it('refuses every call once closed', async () => {
      const s = await openStorage({ url: db.url, migrate: false });
      await s.close();
      await expect(s.ping()).rejects.toMatchObject({ code: 'storage_unavailable', reason: 'closed' });
      await expect(s.storeTurn(turnRecord([]))).rejects.toBeInstanceOf(StorageUnavailableError);
    });

    if (backend === 'postgresql') {
      it.each(['reset', 'close'] as const)(
        'throws StorageUnavailableError when the server vanishes (connections %s, port refused) and recovers',
        async (how) => {
          const proxy = await createTcpOutageProxy(db.url);
          const s = await openStorage({ url: proxy.url, migrate: false, connectTimeoutMs: 1_000 });
          try {
            await s.ping();
            // A transaction in flight when the connection goes.
            const slow = s.storeTurn(turnRecord(chatNodes([['user', 'in flight']], 'x'))).catch((e: unknown) => e);
            await proxy.down(how);
            const inFlight = await slow;
            if (!(inFlight as { status?: string }).status) expect(inFlight).toBeInstanceOf(StorageUnavailableError);
            const reset = await s.storeTurn(turnRecord(chatNodes([['user', 'gone']], 'x'))).catch((e: unknown) => e);
            expect(reset).toBeInstanceOf(StorageUnavailableError);
            await expect(s.ping()).rejects.toMatchObject({ reason: 'unreachable' });
            await proxy.up();
            await expect(s.ping()).resolves.toBeUndefined();
            await expect(s.storeTurn(turnRecord(chatNodes([['user', 'back']], 'x')))).resolves.toMatchObject({ status: 'stored' });
          } finally {
            await s.close();
            await proxy.close();
          }
        },
      );

      it('maps a connection that ends mid-transaction without an error to StorageUnavailableError', async () => {
        const proxy = await createTcpOutageProxy(db.url);
        const s = await openStorage({ url: proxy.url, migrate: false, connectTimeoutMs: 1_000 });
        const blocker = new pg.Client({ connectionString: db.url });
        await blocker.connect();
        try {
          // The store's transaction waits on a lock; then its connection is closed under it.
          await blocker.query('BEGIN');
          await blocker.query('LOCK TABLE turns IN ACCESS EXCLUSIVE MODE');
          const stuck = s.storeTurn(turnRecord(chatNodes([['user', 'cut']], 'x'))).catch((e: unknown) => e);
          await untilWaitingOnLock(blocker, 'relation');
          await proxy.down('close');
          const error = await stuck;
          expect(error).toBeInstanceOf(StorageUnavailableError);
          expect((error as StorageUnavailableError).reason).toBe('connection_lost');
          // pg's message-only "Connection terminated unexpectedly", given SQLSTATE 08006 by ClassifyingPool
          // (straight from pg on the direct write path; inside Prisma's driverAdapterError on others).
          expect(causeCodes(error)).toContain('08006');
        } finally {
          await blocker.query('ROLLBACK');
          await blocker.end();
          await s.close();
          await proxy.close();
        }
      });

      it('fails to open with StorageUnavailableError when nothing listens', async () => {
        const proxy = await createTcpOutageProxy(db.url);
        await proxy.down();
        await expect(openStorage({ url: proxy.url, connectTimeoutMs: 1_000 })).rejects.toMatchObject({
          code: 'storage_unavailable',
          reason: 'unreachable',
        });
        await proxy.close();
      });

      it('answers StorageUnavailableError (timeout) when the pool stays exhausted', async () => {
        const s = await openStorage({ url: db.url, migrate: false, poolSize: 1, connectTimeoutMs: 300 });
        const blocker = new pg.Client({ connectionString: db.url });
        await blocker.connect();
        try {
          // Hold the only pooled connection inside a transaction blocked on a row lock.
          await blocker.query('BEGIN');
          await blocker.query(`LOCK TABLE turns IN ACCESS EXCLUSIVE MODE`);
          const stuck = s.storeTurn(turnRecord(chatNodes([['user', 'blocked']], 'x'))).catch((e: unknown) => e);
          await untilWaitingOnLock(blocker, 'relation');
          await expect(s.ping()).rejects.toMatchObject({ code: 'storage_unavailable', reason: 'timeout' });
          await blocker.query('ROLLBACK');
          await stuck;
        } finally {
          await blocker.end();
          await s.close();
        }
      });
    }
  });
});

/** The codes along an error's cause chain, including the driver error Prisma keeps in `meta`. */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } } | undefined, i = 0; e && i < 10; i++) {
    if (typeof e.code === 'string') codes.push(e.code);
    e = (e.meta?.driverAdapterError ?? e.cause) as typeof e;
  }
  return codes;
}

/** Writes node rows (hash, parent) with foreign keys off, through the raw driver. */
async function writeRowsWithoutForeignKeys(url: string, backend: string, rows: Array<[string, string]>): Promise<void> {
  const sql = `INSERT INTO nodes (hash, parent_hash, type, role, content, model, provider, created_at) VALUES `;
  if (backend === 'sqlite') {
    const db = new Database(url);
    db.pragma('foreign_keys = OFF');
    const stmt = db.prepare(`${sql} (?, ?, 'message', 'user', '[]', 'm', 'p', '2026-01-01T00:00:00.000000Z')`);
    for (const [h, p] of rows) stmt.run(h, p);
    db.close();
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`SET session_replication_role = replica`); // skips FK triggers (superuser)
    for (const [h, p] of rows) await client.query(`${sql} ($1, $2, 'message', 'user', '[]', 'm', 'p', now())`, [h, p]);
    await client.end();
  }
}
