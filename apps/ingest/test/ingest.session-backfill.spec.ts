import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TurnStore } from '@tapes/storage';
import { turnStoredBeforeSessions } from '@tapes/storage/testing';
import { eventually } from '@tapes/testing';
import { BACKENDS, startIngest } from './harness';

/** #14: turns stored before sessions existed are given their session when ingest starts, nothing orphaned. */
const SESSION = '5a0c9e1e-7777-4a5b-9c8d-123456789abc';

describe.each(BACKENDS)('session backfill at start on $name', (backend) => {
  let app: NestFastifyApplication | undefined;
  let store: TurnStore;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await backend.open());
  });
  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  it('lists the turns a build before sessions stored under their session once ingest has started', async () => {
    for (let i = 0; i < 3; i++) await store.storeTurn(await turnStoredBeforeSessions(`req-old-${i}`, SESSION, `2026-10-01T10:0${i}:00.000Z`));
    expect(await store.getSession(SESSION)).toBeNull();

    app = await startIngest(store);
    const get = async (url: string) => app!.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    // The backfill runs in the background, a turn at a time: the session grows to all three.
    const session = await eventually('the three old turns to be listed under their session', async () => {
      const res = await get(`/v1/sessions/${SESSION}`);
      const body = res.statusCode === 200 ? (res.json() as { turn_count: number }) : undefined;
      return body?.turn_count === 3 ? body : undefined;
    });
    expect(session).toMatchObject({ turn_count: 3 });
    expect(await store.listTurnIds({ withoutSession: true })).toEqual([]);
  });
});
