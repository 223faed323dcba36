import { openStorage } from '@tapes/storage';
import { turnStoredBeforeSessions } from '@tapes/storage/testing';
import { createTestPostgres, MockUpstream, send, type TestPostgres } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually } from './support/stored-turns';

/**
 * #14: turns a build from before sessions stored (no session, raw bytes only) are given their
 * session by the proxy's storage thread once it has opened the store — the sessions list shows
 * them without `tapes rederive`.
 */
const SESSION = '6b1d0f2f-8888-4a5b-9c8d-123456789abc';

describe('the proxy backfills sessions at start (#14)', () => {
  let pg: TestPostgres;
  let upstream: MockUpstream;
  let proxy: RunningProxy | undefined;

  beforeAll(async () => {
    pg = await createTestPostgres();
    upstream = await MockUpstream.start();
    const old = await openStorage({ url: pg.url });
    for (let i = 0; i < 3; i++) await old.storeTurn(await turnStoredBeforeSessions(`req-old-${i}`, SESSION, `2026-10-01T10:0${i}:00.000Z`));
    expect(await old.getSession(SESSION)).toBeNull();
    await old.close();
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
    await pg?.drop();
  });

  it('lists the old turns under their session through the read API', async () => {
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: pg.url });
    const session = await eventually(async () => {
      const res = await send(`${proxy!.url}/_tapes/v1/sessions/${SESSION}`);
      const body = res.status === 200 ? (JSON.parse(res.body.toString('utf8')) as { turn_count: number; harness_id?: string }) : undefined;
      return body?.turn_count === 3 ? body : undefined;
    }, 'the three old turns under their session');
    expect(session).toMatchObject({ turn_count: 3 });
  });
});
