import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDefaultReducers, deriveTurn, reduceBody, selectReducer } from '@tapes/capture';
import type { TurnStore } from '@tapes/storage';
import { readFixture, TURN_FIXTURES, type TurnFixture } from '@tapes/testing';
import { gzipSync } from 'node:zlib';
import { BACKENDS, startIngest } from './harness';

const reducers = createDefaultReducers();

/** What libs/capture + libs/merkle compute offline for a fixture: the hashes every site must store. */
function offlineHashes(fixture: TurnFixture, agentName: string): string[] {
  const reducer = selectReducer(reducers, { path: fixture.path })!;
  const response = reduceBody(reducer, readFixture(fixture.responseFile), { contentType: fixture.contentType });
  return deriveTurn({ reducer, request: { document: fixture.request }, response, agentName, path: fixture.path }).nodes.map((n) => n.hash);
}

describe.each(BACKENDS)('every capture fixture through ingest on $name', (backend) => {
  let app: NestFastifyApplication;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
    app = await startIngest(store);
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  const post = async (body: unknown) => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/v1/ingest', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(202);
    return res.json() as { head_hash: string | null; turn_id: string; outcome: string };
  };

  /** The stored chain ending at `head`, root first. */
  const storedChain = async (head: string) => (await store.ancestry(head))!.nodes.map((n) => n.hash).reverse();

  it.each(TURN_FIXTURES.map((f) => [f.name, f] as const))('%s: raw, gzip-raw and (one-shot) parsed posts store the offline hashes', async (_name, fixture) => {
    const agent = `fixtures-${fixture.name}`;
    const expected = offlineHashes(fixture, agent);
    const bytes = readFixture(fixture.responseFile);
    const common = { provider: fixture.provider, path: fixture.path, agent_name: agent, request: fixture.request };

    const raw = await post({ ...common, request_id: `${agent}-raw`, response_body_base64: bytes.toString('base64'), response_content_type: fixture.contentType });
    const gz = await post({ ...common, request_id: `${agent}-gz`, response_body_base64: gzipSync(bytes).toString('base64'), response_content_type: fixture.contentType, response_content_encoding: 'gzip' });
    if (expected.length === 0) {
      expect([raw.head_hash, gz.head_hash]).toEqual([null, null]);
      return;
    }
    expect(await storedChain(raw.head_hash!)).toEqual(expected);
    expect(gz.head_hash).toBe(raw.head_hash);
    const storedTurn = await store.getTurn(raw.turn_id);
    expect(Buffer.from(storedTurn!.responseBody!).equals(bytes)).toBe(true);

    if (!fixture.streamed && fixture.complete) {
      const parsed = await post({ ...common, request_id: `${agent}-parsed`, response: JSON.parse(bytes.toString('utf8')) });
      expect(parsed.head_hash).toBe(raw.head_hash);
    }
  });
});
