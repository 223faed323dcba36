import { openStorage, type TurnStore } from '@tapes/storage';
import { createTestSqlite, MockUpstream, send, type TestSqlite } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually } from './support/stored-turns';

const MODEL = 'gpt-4o-2024-08-06';

function completion(text: string): string {
  return JSON.stringify({
    id: `chatcmpl-${text.length}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  });
}

describe('a conversation of two turns (ref §1.4)', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
    upstream = await MockUpstream.start();
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await store.close();
    sqlite.cleanup();
  });

  async function turn(messages: unknown[], reply: string): Promise<void> {
    upstream.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completion(reply)));
    const res = await send(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'x-tapes-agent-name': 'codex' },
      body: JSON.stringify({ model: MODEL, messages }),
    });
    expect(res.status).toBe(200);
  }

  async function nodeCount(expected: number): Promise<number> {
    return eventually(async () => ((await store.counts()).nodes === expected ? expected : undefined), `${expected} nodes`);
  }

  it('stores the replayed prefix once: 3 nodes, then 5, one leaf, and an ancestry of 5 newest first', async () => {
    const system = { role: 'system', content: 'You are terse.' };
    const question = { role: 'user', content: 'Capital of France?' };
    await turn([system, question], 'Paris.');
    await nodeCount(3);

    await turn([system, question, { role: 'assistant', content: 'Paris.' }, { role: 'user', content: 'And of Italy?' }], 'Rome.');
    await nodeCount(5);

    const leaves = await store.leaves();
    expect(leaves.items).toHaveLength(1);
    const chain = await store.ancestry(leaves.items[0]!.hash);
    expect(chain!.complete).toBe(true);
    expect(chain!.nodes.map((n) => [n.bucket.role, n.bucket.agent_name])).toEqual([
      ['assistant', 'codex'],
      ['user', 'codex'],
      ['assistant', 'codex'],
      ['user', 'codex'],
      ['system', 'codex'],
    ]);
    expect(chain!.nodes[0]!.usage).toBeDefined();
    expect((await store.counts()).turns).toBe(2);
  });
});
