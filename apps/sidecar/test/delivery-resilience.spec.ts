import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { envoySequence } from './envoy-messages';
import { FakeIngest } from './fake-ingest';
import { startSidecar, tempSpoolDir, type RunningSidecar } from './sidecar-harness';

/**
 * Delivery when ingest is away or says no (issue #6): every turn ends delivered, spooled or
 * dropped with a named reason; spooled turns survive a restart and arrive once ingest is back.
 */

const RESPONSE = Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"id":"m","role":"assistant","content":[],"model":"claude"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');

function turnMessages(requestId: string, observabilityMode = true) {
  const request = Buffer.from(JSON.stringify({ model: 'claude', max_tokens: 8, stream: true, messages: [{ role: 'user', content: requestId }] }));
  return envoySequence(
    { path: '/v1/messages', requestHeaders: { 'x-request-id': requestId }, requestChunks: [request], responseHeaders: { 'content-type': 'text/event-stream' }, responseChunks: [RESPONSE] },
    { observabilityMode },
  );
}

async function capture(sidecar: RunningSidecar, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => sidecar.envoy.play(turnMessages(id))));
  await sidecar.delivery.idle();
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('delivery to ingest', () => {
  let ingest: FakeIngest;
  let spool: { dir: string; remove: () => Promise<void> };
  const running: RunningSidecar[] = [];

  async function sidecarWith(env: Record<string, string> = {}): Promise<RunningSidecar> {
    const sidecar = await startSidecar({ INGEST_URL: ingest.url, SPOOL_DIR: spool.dir, ...env });
    running.push(sidecar);
    return sidecar;
  }

  beforeEach(async () => {
    ingest = await FakeIngest.start();
    spool = await tempSpoolDir();
  });

  afterEach(async () => {
    for (const sidecar of running.splice(0)) await sidecar.close();
    await ingest.close();
    await spool.remove();
  });

  it('stores all N turns captured while ingest was down once it returns, none twice', async () => {
    const sidecar = await sidecarWith();
    await ingest.goAway();
    const turns = ids('outage', 20);
    await capture(sidecar, turns);
    expect(await sidecar.metric('tapes_extproc_turns_spooled_total')).toBe(20);
    expect(sidecar.spool.stats().depth).toBe(20);
    expect(ingest.posts).toHaveLength(0);

    await ingest.comeBack();
    await ingest.until(() => ingest.stored.size === 20);
    await sidecar.until(() => sidecar.spool.stats().depth === 0, 'spool drained');
    expect([...ingest.stored.keys()].sort()).toEqual([...turns].sort());
    expect(ingest.posts.map((p) => p.request_id).sort()).toEqual([...turns].sort()); // each posted exactly once
    expect(await sidecar.metric('tapes_extproc_turns_captured_total')).toBe(20);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'spool' })).toBe(20);
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total')).toBe(0);
  });

  it('delivers, in capture order, what a previous run spooled after a restart', async () => {
    const first = await sidecarWith();
    await ingest.goAway();
    const turns = ids('restart', 12);
    for (const id of turns) await capture(first, [id]);
    expect(first.spool.stats().depth).toBe(12);
    await first.close();
    running.splice(running.indexOf(first), 1);

    await ingest.comeBack();
    const second = await sidecarWith();
    await ingest.until(() => ingest.stored.size === 12);
    await second.until(() => second.spool.stats().depth === 0, 'spool drained');
    expect(ingest.posts.map((p) => p.request_id)).toEqual(turns);
    expect(await second.metric('tapes_extproc_turns_delivered_total', { via: 'spool' })).toBe(12);
  });

  it('spools new turns directly while older ones wait, then delivers them all in order', async () => {
    const sidecar = await sidecarWith();
    ingest.mode = 'unavailable';
    await capture(sidecar, ['older']);
    expect(sidecar.spool.stats().depth).toBe(1);
    const postsWhileDown = ingest.posts.length;
    await capture(sidecar, ['newer']);
    // No direct attempt for 'newer': it queued behind 'older' on disk.
    expect(ingest.posts.slice(postsWhileDown).some((p) => p.request_id === 'newer')).toBe(false);
    ingest.mode = 'accept';
    await ingest.until(() => ingest.stored.size === 2);
    const order = ingest.posts.filter((p) => ingest.stored.get(p.request_id) === p).map((p) => p.request_id);
    expect(order).toEqual(['older', 'newer']);
  });

  it('retries a 503 (Retry-After) and then spools, never losing the turn', async () => {
    const sidecar = await sidecarWith({ DELIVERY_MAX_ATTEMPTS: '3' });
    ingest.mode = 'unavailable';
    await capture(sidecar, ['busy']);
    expect(ingest.posts.filter((p) => p.request_id === 'busy').length).toBeGreaterThanOrEqual(3);
    expect(await sidecar.metric('tapes_extproc_delivery_attempts_total', { result: 'unavailable' })).toBeGreaterThanOrEqual(3);
    expect(await sidecar.metric('tapes_extproc_turns_spooled_total')).toBe(1);
    ingest.mode = 'accept';
    await ingest.until(() => ingest.stored.has('busy'));
  });

  it.each([
    { mode: 'reject' as const, reason: 'ingest_reject' },
    { mode: 'unauthorized' as const, reason: 'ingest_auth' },
  ])('does not retry a refusal ($mode): one POST, counted as dropped ($reason), nothing spooled', async ({ mode, reason }) => {
    const sidecar = await sidecarWith();
    ingest.mode = mode;
    await capture(sidecar, ['refused']);
    expect(ingest.posts).toHaveLength(1);
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total', { reason })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_delivery_attempts_total', { result: 'rejected' })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_turns_spooled_total')).toBe(0);
    expect(sidecar.spool.stats().depth).toBe(0);
  });

  it('counts a spooled turn that ingest later refuses as dropped, and removes it', async () => {
    const sidecar = await sidecarWith();
    ingest.mode = 'unavailable';
    await capture(sidecar, ['later-refused']);
    ingest.mode = 'reject';
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_turns_dropped_total', { reason: 'ingest_reject' })) === 1, 'refusal counted');
    expect(sidecar.spool.stats().depth).toBe(0);
  });

  it('counts a duplicate acknowledgement as delivered', async () => {
    const sidecar = await sidecarWith();
    await capture(sidecar, ['twice']);
    await capture(sidecar, ['twice']);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'direct' })).toBe(2);
    expect(await sidecar.metric('tapes_extproc_delivery_attempts_total', { result: 'duplicate' })).toBe(1);
    expect(ingest.stored.size).toBe(1);
  });

  it('drops turns as spool_full once the spool is full, and says so', async () => {
    const sidecar = await sidecarWith({ SPOOL_MAX_BYTES: '2kb' });
    await ingest.goAway();
    await capture(sidecar, ids('full', 4));
    const spooled = await sidecar.metric('tapes_extproc_turns_spooled_total');
    const dropped = await sidecar.metric('tapes_extproc_turns_dropped_total', { reason: 'spool_full' });
    expect(spooled).toBeGreaterThanOrEqual(1);
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(spooled + dropped).toBe(4);
    expect(sidecar.spool.stats().bytes).toBeLessThanOrEqual(2048);
  });

  it('sends the configured token as a bearer token', async () => {
    const sidecar = await sidecarWith({ INGEST_TOKEN: 'a-token-of-sixteen-chars' });
    await capture(sidecar, ['with-token']);
    expect(ingest.authorizations).toEqual(['Bearer a-token-of-sixteen-chars']);
  });

  it('spools the turns of streams cut by shutdown, and the next run delivers them', async () => {
    const sidecar = await sidecarWith();
    const messages = turnMessages('cut-by-shutdown');
    const stream = sidecar.envoy.open();
    const received = await sidecar.metric('tapes_extproc_messages_total');
    for (const message of messages.slice(0, -1)) await stream.send(message);
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_messages_total')) === received + messages.length - 1, 'messages read');
    await sidecar.close();
    running.splice(running.indexOf(sidecar), 1);
    expect(ingest.posts).toHaveLength(0);
    expect((await readdir(spool.dir)).filter((n) => n.endsWith('.spool'))).toHaveLength(1);

    const next = await sidecarWith();
    await ingest.until(() => ingest.stored.has('cut-by-shutdown'));
    expect(ingest.stored.get('cut-by-shutdown')?.interrupted?.reason).toBe('client_disconnect');
    await next.until(() => next.spool.stats().depth === 0, 'spool drained');
  });

  it('quarantines a damaged spool file found at start-up and delivers the intact ones', async () => {
    const first = await sidecarWith();
    await ingest.goAway();
    await capture(first, ['intact']);
    await first.close();
    running.splice(running.indexOf(first), 1);
    await writeFile(path.join(spool.dir, '0000000000000099.spool'), 'half a record');
    await ingest.comeBack();
    const next = await sidecarWith();
    await ingest.until(() => ingest.stored.has('intact'));
    expect(await next.metric('tapes_extproc_spool_quarantined_files')).toBe(1);
  });
});
