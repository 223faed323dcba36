import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openStorage, type TurnStore } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, createTestSqlite, MockUpstream, readFixture, send, type TestSqlite } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, readTurns } from './support/stored-turns';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;

const SECRETS = {
  authorization: 'Bearer sk-live-SECRET-authorization-1',
  apiKey: 'sk-ant-SECRET-x-api-key-2',
  cookie: 'session=SECRET-cookie-3',
  setCookie: 'sid=SECRET-set-cookie-4; HttpOnly',
  proxyAuthorization: 'Basic SECRET-proxy-5',
  queryKey: 'SECRET-query-key-6',
};

describe('secrets never reach storage', () => {
  let sqlite: TestSqlite;
  let store: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    sqlite = createTestSqlite();
    store = await openStorage({ url: sqlite.url });
    upstream = await MockUpstream.start((_req, res) => {
      res.writeHead(200, { 'content-type': fixture.contentType, 'set-cookie': [SECRETS.setCookie, 'theme=dark'] });
      res.end(readFixture(fixture.responseFile));
    });
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await store.close();
    sqlite.cleanup();
  });

  it('forwards the credentials upstream but stores none of them: not in turn rows, not in nodes, not anywhere in the database files', async () => {
    const res = await send(`${proxy.url}/v1/messages?beta=true&key=${SECRETS.queryKey}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: SECRETS.authorization,
        'x-api-key': SECRETS.apiKey,
        cookie: SECRETS.cookie,
        'proxy-authorization': SECRETS.proxyAuthorization,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify(fixture.request),
    });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual([SECRETS.setCookie, 'theme=dark']);
    const forwarded = upstream.requests[0]!;
    expect(forwarded.headers['authorization']).toBe(SECRETS.authorization);
    expect(forwarded.headers['x-api-key']).toBe(SECRETS.apiKey);
    expect(forwarded.headers['cookie']).toBe(SECRETS.cookie);
    expect(forwarded.headers['proxy-authorization']).toBeUndefined(); // addressed to the proxy, not the upstream

    const [turn] = await eventually(async () => {
      const turns = await readTurns(store, { sqliteFile: sqlite.path });
      return turns.length === 1 ? turns : undefined;
    });
    const chain = await store.ancestry(turn!.headHash!);
    const stored = JSON.stringify({ turn: { ...turn, requestBody: Buffer.from(turn!.requestBody!).toString('utf8'), responseBody: Buffer.from(turn!.responseBody!).toString('utf8') }, chain });
    // Every byte on disk, the write-ahead log included.
    const files = readdirSync(sqlite.dir).map((name) => readFileSync(path.join(sqlite.dir, name)).toString('latin1'));
    for (const secret of Object.values(SECRETS)) {
      expect(stored).not.toContain(secret);
      for (const file of files) expect(file).not.toContain(secret);
    }
    // Redacted values keep only their length (`[redacted:<n>]`), so a reader can tell a key from an empty header.
    const marker = (value: string) => `[redacted:${value.length}]`;
    expect(turn!.requestHeaders).toMatchObject({ authorization: marker(SECRETS.authorization), 'x-api-key': marker(SECRETS.apiKey), cookie: marker(SECRETS.cookie), 'anthropic-version': '2023-06-01' });
    expect(turn!.responseHeaders).toMatchObject({ 'set-cookie': [marker(SECRETS.setCookie), expect.stringMatching(/^\[redacted:\d+\]$/)] });
    expect(turn!.path).toMatch(/^\/v1\/messages\?beta=true&key=%5Bredacted%3A\d+%5D$/);
  });

  it('with TAPES_SCRUB_BODY_SECRETS on, a key pasted into a prompt is forwarded as sent but stored as [redacted:<n>], in the bytes and the nodes', async () => {
    const KEY = 'sk-ant-api03-EXAMPLE0nly-Zx9kQ2mWv7LpR4tYb8NcE1fHj6GsD3aU0oKi_Pq5XyTz-AA';
    const scrubbing = await startProxy({ upstream: upstream.url, databaseUrl: sqlite.url, env: { TAPES_SCRUB_BODY_SECRETS: 'on' } });
    try {
      const request = JSON.stringify({ ...(fixture.request as Record<string, unknown>), messages: [{ role: 'user', content: `my key is ${KEY}` }] });
      const res = await send(`${scrubbing.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-scrub-test' }, body: request });
      expect(res.status).toBe(200);
      expect(upstream.requests.at(-1)!.body.toString('utf8')).toContain(KEY);
      const turn = await eventually(async () => (await readTurns(store, { sqliteFile: sqlite.path })).find((t) => Buffer.from(t.requestBody ?? []).toString('utf8').includes('my key is')));
      expect(Buffer.from(turn!.requestBody!).toString('utf8')).toContain(`my key is [redacted:${KEY.length}]`);
      const chain = await store.ancestry(turn!.headHash!);
      expect(JSON.stringify(chain)).not.toContain(KEY);
      expect(turn!.diagnostics.map((d) => d.code)).toContain('secrets_scrubbed');
    } finally {
      await scrubbing.close();
    }
  });
});
