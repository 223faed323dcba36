import path from 'node:path';
import { openStorage, type TurnStore } from '@tapes/storage';
import { createTestSqlite, MockUpstream, OPENAI_FIXTURES, readFixture, send, type TestSqlite } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, readTurns } from './support/stored-turns';

const fixture = OPENAI_FIXTURES.find((f) => f.api === 'openai.chat_completions' && f.streamed && f.complete)!;

describe('an injected custom reducer (#11)', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
    upstream = await MockUpstream.start((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(readFixture(fixture.responseFile)));
    proxy = await startProxy({
      upstream: upstream.url,
      databaseUrl: sqlite.url,
      reducers: { module: path.join(__dirname, 'support', 'custom-reducers.ts'), export: 'createCustomReducers' },
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await store.close();
    sqlite.cleanup();
  });

  it('routes its endpoint as a turn in the proxy and parses its requests in the storage worker', async () => {
    const res = await send(`${proxy.url}/acme/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture.request) });
    expect(res.status).toBe(200);
    const [turn] = await eventually(async () => {
      const turns = await readTurns(store, { sqliteFile: sqlite.path });
      return turns.length === 1 ? turns : undefined;
    }, 'the custom turn');
    expect(turn).toMatchObject({ api: 'acme.chat', outcome: 'complete' });
    const chain = await store.ancestry(turn!.headHash!);
    // The request nodes carry the model as the custom parser wrote it: the worker used it.
    const requestNodes = chain!.nodes.slice(1);
    expect(requestNodes.length).toBeGreaterThan(0);
    for (const node of requestNodes) expect(node.bucket.model).toBe(`acme-parsed:${String(fixture.request['model'])}`);
  });
});
