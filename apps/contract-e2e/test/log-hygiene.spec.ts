import { ANTHROPIC_FIXTURES, eventually, freePort, MockUpstream, readFixture, send } from '@tapes/testing';
import { disposeWorkdirs, ingestProcess, proxyProcess, type IngestProcess, type ProxyProcess } from './support/capture-apps';
import { SiteDatabase } from './support/site-database';

/**
 * #13: no credential is ever logged. The proxy and ingest run as users run them, at LOG_LEVEL=debug
 * with JSON lines, and are sent credentials every way a client can: headers, query parameters
 * (`key`, `api_key`, `token` — ingest's own INGEST_TOKEN included), on turns, on reads, on an
 * upstream that cannot be reached and on one that dies mid-stream (the two paths that log the
 * request path at WARN). Then every byte they wrote is searched for every secret.
 */
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const READ_TOKEN = 'log-hygiene-read-token-4f1c9a7e2b';
const INGEST_TOKEN = 'log-hygiene-ingest-token-8d3e6b1f0a';
const SECRETS = {
  queryKey: 'AIzaSyLogHygieneQueryKey0123456789abcd',
  queryApiKey: 'sk-proj-LogHygieneApiKey0123456789abcdef',
  queryToken: 'log-hygiene-query-token-55aa77bb99',
  authorization: 'sk-ant-api03-LogHygieneBearer0123456789abcdef',
  xApiKey: 'sk-ant-api03-LogHygieneXApiKey0123456789abcd',
  cookie: 'log-hygiene-session-cookie-3c5e7g9i',
  readToken: READ_TOKEN,
  ingestToken: INGEST_TOKEN,
};
const query = `key=${SECRETS.queryKey}&api_key=${SECRETS.queryApiKey}&token=${SECRETS.queryToken}`;
/** For reads: `token` there is the page login's parameter (a wrong one is a 401), so only the keys. */
const readQuery = `key=${SECRETS.queryKey}&api_key=${SECRETS.queryApiKey}&access_token=${SECRETS.queryToken}`;
const clientHeaders = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  authorization: `Bearer ${SECRETS.authorization}`,
  'x-api-key': SECRETS.xApiKey,
  cookie: `session=${SECRETS.cookie}`,
};
const request = Buffer.from(JSON.stringify(fixture.request));
const response = readFixture(fixture.responseFile);

let database: SiteDatabase;
let ingestDatabase: SiteDatabase;
let upstream: MockUpstream;
let proxy: ProxyProcess;
let ingest: IngestProcess;
/** Everything each process wrote, gathered as the test goes (a process keeps only its recent output). */
const written: string[] = [];
const gather = () => written.push(proxy.recentOutput, ingest.recentOutput);

beforeAll(async () => {
  database = await SiteDatabase.create('sqlite');
  upstream = await MockUpstream.start((req, res) => {
    res.writeHead(200, { 'content-type': fixture.contentType ?? 'text/event-stream' });
    // `?cut=1`: the upstream dies mid-stream, which the proxy logs at WARN with the request path.
    if (req.url.includes('cut=1')) res.write(response.subarray(0, 64), () => res.destroy());
    else res.end(response);
  });
  const nowhere = await freePort();
  proxy = await proxyProcess({
    upstream: upstream.url,
    databaseUrl: database.url,
    env: {
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      TAPES_READ_TOKEN: READ_TOKEN,
      // An agent whose upstream refuses connections: a 502 the proxy logs at WARN with the path.
      TAPES_AGENT_ROUTES: JSON.stringify({ down: { provider: 'anthropic', upstream: `http://127.0.0.1:${nowhere}` } }),
    },
  });
  ingestDatabase = await SiteDatabase.create('sqlite');
  ingest = await ingestProcess({ databaseUrl: ingestDatabase.url, token: INGEST_TOKEN, env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' } });
  await Promise.all([proxy.start(), ingest.start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([proxy?.stop(), ingest?.stop()]);
  await upstream?.close();
  await Promise.all([database, ingestDatabase].map((d) => d?.dispose()));
  await disposeWorkdirs();
}, 60_000);

it('logs no credential from a header or a query, at debug, on any path (proxy and ingest)', async () => {
  // The proxy: turns, a cut stream, an unreachable upstream, reads with and without the token.
  expect((await send(`${proxy.url}/v1/messages?beta=true&${query}`, { method: 'POST', headers: clientHeaders, body: request })).status).toBe(200);
  const cut = await send(`${proxy.url}/v1/messages?cut=1&${query}`, { method: 'POST', headers: clientHeaders, body: request });
  expect(cut.error ?? cut.status).toBeDefined();
  expect((await send(`${proxy.url}/agents/down/v1/messages?${query}`, { method: 'POST', headers: clientHeaders, body: request })).status).toBe(502);
  expect((await send(`${proxy.url}/_tapes/v1/sessions?${readQuery}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).status).toBe(200);
  expect((await send(`${proxy.url}/_tapes/?token=${READ_TOKEN}`)).status).toBe(303);
  expect((await send(`${proxy.url}/_tapes/v1/sessions?${query}`, { headers: { authorization: `Bearer ${SECRETS.authorization}` } })).status).toBe(401);
  // Ingest: its own token in the query of a post and of a read, a page login, a refused post.
  const envelope = JSON.stringify({ provider: 'anthropic', path: '/v1/messages', request_id: 'log-hygiene-1', request_headers: clientHeaders, request_body_base64: request.toString('base64'), response_body_base64: response.toString('base64'), response_content_type: 'text/event-stream' });
  expect((await send(`${ingest.url}/v1/ingest?token=${INGEST_TOKEN}&${query}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` }, body: envelope })).status).toBe(202);
  expect((await send(`${ingest.url}/v1/sessions?${readQuery}`, { headers: { authorization: `Bearer ${INGEST_TOKEN}` } })).status).toBe(200);
  expect((await send(`${ingest.url}/ui/?token=${INGEST_TOKEN}`)).status).toBe(303);
  expect((await send(`${ingest.url}/v1/ingest?token=${INGEST_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.authorization}` }, body: envelope })).status).toBe(401);

  // Wait for the lines the requests cause (the turn lines come from the storage thread), then stop: shutdown logs too.
  await eventually('the proxy to log the unreachable upstream, the cut stream and a stored turn', () => {
    const out = proxy.recentOutput;
    return out.includes('could not reach') && out.includes('exchange cut') && out.includes('turn complete') ? true : undefined;
  }, { timeoutMs: 30_000, describe: () => proxy.recentOutput.slice(-2_000) });
  await eventually('ingest to log the stored turn', () => (ingest.recentOutput.includes('log-hygiene-1') ? true : undefined), { timeoutMs: 30_000 });
  gather();
  await Promise.all([proxy.stop(), ingest.stop()]);
  gather();

  const logs = written.join('\n');
  for (const [name, secret] of Object.entries(SECRETS)) expect([name, logs.includes(secret)]).toEqual([name, false]);
  // Not vacuous: the paths and URLs were logged, redacted.
  expect(logs).toMatch(/key=%5Bredacted%3A\d+%5D/);
  expect(logs).toMatch(/token=%5Bredacted%3A\d+%5D/);
  const lines = logs.split('\n');
  const lineWith = (text: string) => lines.find((l) => l.includes(text)) ?? '';
  expect(lineWith('could not reach')).toMatch(/"path":"\/v1\/messages\?key=%5Bredacted%3A\d+%5D&api_key=%5Bredacted%3A\d+%5D&token=%5Bredacted%3A\d+%5D"/);
  expect(lineWith('exchange cut')).toMatch(/"path":"\/v1\/messages\?cut=1&key=%5Bredacted%3A\d+%5D/);
  expect(lineWith('"url":"/_tapes/v1/sessions?')).toContain('access_token=%5Bredacted%3A');
  expect(lineWith('"url":"/v1/ingest?token=')).toContain('/v1/ingest?token=%5Bredacted%3A');
}, 120_000);
