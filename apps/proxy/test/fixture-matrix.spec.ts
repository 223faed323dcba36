import { gzipSync } from 'node:zlib';
import { createDefaultReducers, deriveTurn, reduceBody, selectReducer, TURN_APIS } from '@tapes/capture';
import { openStorage, type StoredTurn, type TurnStore } from '@tapes/storage';
import { createTestSqlite, MockUpstream, readFixture, send, type TestSqlite, TURN_FIXTURES, type TurnFixture } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, storedRequestIds } from './support/stored-turns';

const reducers = createDefaultReducers();

/** What libs/capture + libs/merkle make of the same bytes offline: the hashes the proxy must store. */
function offlineTurn(fixture: TurnFixture, body: Buffer) {
  const reducer = selectReducer(reducers, { api: fixture.api })!;
  const response = reduceBody(reducer, body, { contentType: fixture.contentType || undefined });
  return deriveTurn({ reducer, request: { document: fixture.request }, response, path: fixture.path });
}

/** Splits a body at arbitrary points, as a network would, so streams arrive in several chunks. */
function pieces(body: Buffer, count: number): Buffer[] {
  const size = Math.max(1, Math.ceil(body.byteLength / count));
  const out: Buffer[] = [];
  for (let at = 0; at < body.byteLength; at += size) out.push(body.subarray(at, at + size));
  return out;
}

const ENCODINGS = [
  { encoding: 'identity', encode: (body: Buffer) => body, header: undefined },
  { encoding: 'gzip', encode: (body: Buffer) => gzipSync(body), header: 'gzip' },
] as const;

const cases = TURN_FIXTURES.flatMap((fixture) => ENCODINGS.map((encoding) => ({ name: `${fixture.name} (${encoding.encoding})`, fixture, ...encoding })));

describe('every turn fixture through the proxy', () => {
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

  it('covers every provider API, streamed and one-shot', () => {
    expect(new Set(TURN_FIXTURES.map((f) => f.api))).toEqual(new Set(TURN_APIS));
    expect(TURN_FIXTURES.some((f) => f.streamed) && TURN_FIXTURES.some((f) => !f.streamed)).toBe(true);
  });

  // Cases run one after another against one proxy: each waits for its own turn to be stored.
  it.each(cases)('$name: the client gets the upstream bytes exactly, and the stored nodes equal the offline reduction', async ({ fixture, encode, header }) => {
    const plain = readFixture(fixture.responseFile);
    const sent = encode(plain);
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { ...(fixture.contentType ? { 'content-type': fixture.contentType } : {}), ...(header ? { 'content-encoding': header } : {}) });
      for (const piece of fixture.streamed ? pieces(sent, 7) : [sent]) {
        res.write(piece);
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const before = (await storedRequestIds({ sqliteFile: sqlite.path })).length;
    const requestBody = JSON.stringify(fixture.request);

    const res = await send(`${proxy.url}${fixture.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip', authorization: 'Bearer sk-test' },
      body: requestBody,
    });

    expect(res.status).toBe(200);
    expect(res.error).toBeUndefined();
    expect(res.headers['content-encoding']).toBe(header);
    expect(res.body.equals(sent)).toBe(true);
    expect(upstream.requests.at(-1)!.body.toString('utf8')).toBe(requestBody);

    const turn: StoredTurn = await eventually(
      async () => {
        const ids = await storedRequestIds({ sqliteFile: sqlite.path });
        return ids.length > before ? ((await store.getTurn(ids.at(-1)!)) ?? undefined) : undefined;
      },
      `the turn of ${fixture.name}`,
    );
    const expected = offlineTurn(fixture, plain);
    expect(turn.outcome).toBe(expected.outcome);
    expect(Buffer.from(turn.responseBody!).equals(sent)).toBe(true);
    expect(Buffer.from(turn.requestBody!).toString('utf8')).toBe(requestBody);
    expect(turn.responseContentEncoding).toBe(header);
    if (expected.nodes.length === 0) {
      expect(turn.headHash).toBeNull();
    } else {
      expect(turn.headHash).toBe(expected.nodes.at(-1)!.hash);
      const chain = await store.ancestry(turn.headHash!);
      expect(chain!.nodes.map((n) => n.hash).reverse()).toEqual(expected.nodes.map((n) => n.hash));
    }
  });
});
