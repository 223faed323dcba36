import { readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { envoySequence } from '@tapes/testing/envoy';
import { FakeIngest } from './fake-ingest';
import { journalBytes, journalOnDisk, journalSegments, startSidecar, tempSpoolDir, type RunningSidecar } from './sidecar-harness';

/**
 * Delivery when ingest is away or says no (issue #6): every turn is journaled first, then ends
 * delivered or dropped with a named reason; while ingest is away turns wait in the journal (on
 * disk, holding no memory), survive a restart, and arrive, oldest first, once ingest is back.
 */

const RESPONSE = Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"id":"m","role":"assistant","content":[],"model":"claude"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');

function requestFor(requestId: string): Buffer {
  return Buffer.from(JSON.stringify({ model: 'claude', max_tokens: 8, stream: true, messages: [{ role: 'user', content: requestId }] }));
}

function turnMessages(requestId: string, observabilityMode = true) {
  return envoySequence(
    { path: '/v1/messages', requestHeaders: { 'x-request-id': requestId }, requestChunks: [requestFor(requestId)], responseHeaders: { 'content-type': 'text/event-stream' }, responseChunks: [RESPONSE] },
    { observabilityMode },
  );
}

async function capture(sidecar: RunningSidecar, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => sidecar.envoy.play(turnMessages(id))));
  await sidecar.settled();
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/**
 * Where each item record (a turn) of a journal segment starts (libs/delivery journal-record.ts: a
 * 28-byte header whose byte 4 is the kind — 1 an item, 3 an exchange's in-flight mark — and whose
 * bytes 16..23 give the meta and payload lengths, then the meta, then the payload).
 */
function recordOffsets(segment: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 28 <= segment.length; at += 28 + segment.readUInt32BE(at + 16) + segment.readUInt32BE(at + 20)) if (segment.readUInt8(at + 4) === 1) offsets.push(at);
  return offsets;
}

describe('delivery to ingest', () => {
  let ingest: FakeIngest;
  let spool: Awaited<ReturnType<typeof tempSpoolDir>>;
  const running: RunningSidecar[] = [];

  async function sidecarWith(env: Record<string, string> = {}): Promise<RunningSidecar> {
    const sidecar = await startSidecar({ INGEST_URL: ingest.url, TAPES_DATA_DIR: spool.dataDir, ...env });
    running.push(sidecar);
    return sidecar;
  }

  async function stop(sidecar: RunningSidecar): Promise<void> {
    await sidecar.close();
    running.splice(running.indexOf(sidecar), 1);
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

  it('stores all N turns captured while ingest was down once it returns, none twice, holding no memory meanwhile', async () => {
    const sidecar = await sidecarWith();
    await ingest.goAway();
    const turns = ids('outage', 20);
    await capture(sidecar, turns);
    // Attempts already under way when ingest was found away end in the backlog too: wait for them.
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_turns_backlogged_total')) === 20, 'all 20 turns backlogged');
    expect(sidecar.journal().depth).toBe(20);
    expect(sidecar.delivery.ingestDown).toBe(true);
    expect(ingest.posts).toHaveLength(0);
    // They wait on disk: the capture budget bounds exchanges in flight, not turns waiting for ingest.
    expect(sidecar.budget.inUse).toBe(0);
    expect(await sidecar.metric('tapes_extproc_capture_bytes')).toBe(0);
    expect(await sidecar.metric('tapes_extproc_spool_depth')).toBe(20);

    await ingest.comeBack();
    await ingest.until(() => ingest.stored.size === 20);
    await sidecar.until(() => sidecar.journal().depth === 0, 'journal emptied');
    expect([...ingest.stored.keys()].sort()).toEqual([...turns].sort());
    expect(ingest.posts.map((p) => p.request_id).sort()).toEqual([...turns].sort()); // each posted exactly once
    expect(await sidecar.metric('tapes_extproc_turns_captured_total')).toBe(20);
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'backlog', result: 'stored' })) === 20, 'all 20 counted delivered');
    expect(await sidecar.metric('tapes_extproc_turns_backlogged_total')).toBe(20);
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total')).toBe(0);
    expect(sidecar.delivery.ingestDown).toBe(false);
  });

  it('has a turn captured while ingest is down on disk, in the journal, before anything is delivered', async () => {
    const sidecar = await sidecarWith();
    await ingest.goAway();
    await capture(sidecar, ['on-disk']);
    // Journaled: the request and response bytes are in a segment file under <TAPES_DATA_DIR>/spool, and nothing was posted.
    expect(await journalSegments(spool.dir)).not.toHaveLength(0);
    const onDisk = await journalBytes(spool.dir);
    expect(onDisk.includes(requestFor('on-disk'))).toBe(true);
    expect(onDisk.includes(RESPONSE)).toBe(true);
    expect(sidecar.journal()).toMatchObject({ depth: 1, journal: 'ok' });
    expect(ingest.posts).toHaveLength(0);

    await ingest.comeBack();
    await ingest.until(() => ingest.stored.has('on-disk'));
    const stored = ingest.stored.get('on-disk');
    expect(Buffer.from(stored?.request_body_base64 ?? '', 'base64').equals(requestFor('on-disk'))).toBe(true);
    expect(Buffer.from(stored?.response_body_base64 ?? '', 'base64').equals(RESPONSE)).toBe(true);
    await sidecar.until(() => sidecar.journal().depth === 0, 'journal emptied');
  });

  it('delivers, in capture order, what a previous run left in the journal after a restart', async () => {
    const first = await sidecarWith();
    await ingest.goAway();
    const turns = ids('restart', 12);
    for (const id of turns) await capture(first, [id]);
    expect(first.journal().depth).toBe(12);
    await stop(first);
    expect((await journalOnDisk(spool.dir)).depth).toBe(12);

    await ingest.comeBack();
    // One connection to ingest: the order posts arrive in is the order delivery took them.
    const second = await sidecarWith({ INGEST_CONNECTIONS: '1' });
    await ingest.until(() => ingest.stored.size === 12);
    await second.until(() => second.journal().depth === 0, 'journal emptied');
    expect(ingest.posts.map((p) => p.request_id)).toEqual(turns);
    await second.until(async () => (await second.metric('tapes_extproc_turns_delivered_total', { via: 'backlog' })) === 12, 'all 12 counted delivered from the backlog');
  });

  it('lets new turns wait in the journal behind older ones while ingest is away, then delivers them all in order', async () => {
    const sidecar = await sidecarWith();
    ingest.mode = 'unavailable';
    await capture(sidecar, ['older']);
    expect(sidecar.delivery.ingestDown).toBe(true);
    expect(sidecar.journal().depth).toBe(1);
    const postsWhileDown = ingest.posts.length;
    await capture(sidecar, ['newer']);
    expect(sidecar.journal().depth).toBe(2);
    // No direct attempt for 'newer': while ingest is away one probe at a time retries the oldest.
    expect(ingest.posts.slice(postsWhileDown).some((p) => p.request_id === 'newer')).toBe(false);
    expect(await sidecar.metric('tapes_extproc_turns_backlogged_total')).toBe(2);
    ingest.mode = 'accept';
    await ingest.until(() => ingest.stored.size === 2);
    const order = ingest.posts.filter((p) => ingest.stored.get(p.request_id) === p).map((p) => p.request_id);
    expect(order).toEqual(['older', 'newer']);
  });

  it('retries a 503 no sooner than its Retry-After, keeping the turn in the journal until ingest takes it', async () => {
    const sidecar = await sidecarWith();
    ingest.mode = 'unavailable';
    ingest.retryAfter = '1';
    await capture(sidecar, ['busy']);
    await ingest.until(() => ingest.posts.filter((p) => p.request_id === 'busy').length >= 2);
    // The harness's own backoff is at most 10 ms: a second POST a second later is Retry-After's doing.
    const [first = 0, second = 0] = ingest.postedAt;
    expect(second - first).toBeGreaterThanOrEqual(950);
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_delivery_attempts_total', { result: 'unavailable' })) >= 2, 'both 503s counted');
    expect(await sidecar.metric('tapes_extproc_turns_backlogged_total')).toBe(1);
    expect(sidecar.journal().depth).toBe(1);
    ingest.mode = 'accept';
    await ingest.until(() => ingest.stored.has('busy'));
    await sidecar.until(() => sidecar.journal().depth === 0, 'journal emptied');
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'backlog' })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total')).toBe(0);
  });

  it.each([
    { mode: 'reject' as const, reason: 'ingest_reject' },
    { mode: 'unauthorized' as const, reason: 'ingest_auth' },
    { mode: 'conflict' as const, reason: 'request_id_conflict' },
  ])('does not retry a refusal ($mode): one POST, counted as dropped ($reason), nothing left in the journal', async ({ mode, reason }) => {
    const sidecar = await sidecarWith();
    ingest.mode = mode;
    await capture(sidecar, ['refused']);
    expect(ingest.posts).toHaveLength(1);
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total', { reason })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_delivery_attempts_total', { result: 'rejected' })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_turns_backlogged_total')).toBe(0);
    expect(sidecar.journal().depth).toBe(0);
    expect(sidecar.delivery.ingestDown).toBe(false);
  });

  it('counts a turn that waited in the journal and that ingest later refuses as dropped, and removes it', async () => {
    const sidecar = await sidecarWith();
    ingest.mode = 'unavailable';
    await capture(sidecar, ['later-refused']);
    ingest.mode = 'reject';
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_turns_dropped_total', { reason: 'ingest_reject' })) === 1, 'refusal counted');
    expect(sidecar.journal().depth).toBe(0);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total')).toBe(0);
  });

  it('counts a duplicate acknowledgement as delivered', async () => {
    const sidecar = await sidecarWith();
    await capture(sidecar, ['twice']);
    await capture(sidecar, ['twice']);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'direct' })).toBe(2);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'direct', result: 'stored' })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'direct', result: 'duplicate' })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_delivery_attempts_total', { result: 'duplicate' })).toBe(1);
    expect(ingest.stored.size).toBe(1);
    expect(sidecar.journal().depth).toBe(0);
  });

  it('drops turns as spool_full once the journal is full, and says so', async () => {
    const sidecar = await sidecarWith({ TAPES_SPOOL_MAX_BYTES: '2kb' });
    await ingest.goAway();
    await capture(sidecar, ids('full', 4));
    const waiting = () => sidecar.metric('tapes_extproc_turns_backlogged_total');
    const dropped = () => sidecar.metric('tapes_extproc_turns_dropped_total', { reason: 'spool_full' });
    await sidecar.until(async () => (await waiting()) + (await dropped()) === 4, 'every turn backlogged or dropped');
    expect(await waiting()).toBeGreaterThanOrEqual(1);
    expect(await dropped()).toBeGreaterThanOrEqual(1);
    expect(sidecar.journal().depth).toBe(await waiting());
    expect(sidecar.journal().bytes).toBeLessThanOrEqual(2048);
    expect(sidecar.budget.inUse).toBe(0);
  });

  it('sends the configured token as a bearer token', async () => {
    const sidecar = await sidecarWith({ INGEST_TOKEN: 'a-token-of-sixteen-chars' });
    await capture(sidecar, ['with-token']);
    expect(ingest.authorizations).toEqual(['Bearer a-token-of-sixteen-chars']);
  });

  it('journals the turn of a stream cut by shutdown while ingest is away, and the next run delivers it', async () => {
    const sidecar = await sidecarWith();
    await ingest.goAway();
    const messages = turnMessages('cut-by-shutdown');
    const stream = sidecar.envoy.open();
    const received = await sidecar.metric('tapes_extproc_messages_total');
    for (const message of messages.slice(0, -1)) await stream.send(message);
    await sidecar.until(async () => (await sidecar.metric('tapes_extproc_messages_total')) === received + messages.length - 1, 'messages read');
    await stop(sidecar);
    expect(ingest.posts).toHaveLength(0);
    expect((await journalOnDisk(spool.dir)).depth).toBe(1);
    expect((await journalBytes(spool.dir)).includes(requestFor('cut-by-shutdown'))).toBe(true);

    await ingest.comeBack();
    const next = await sidecarWith();
    await ingest.until(() => ingest.stored.has('cut-by-shutdown'));
    expect(ingest.stored.get('cut-by-shutdown')?.interrupted?.reason).toBe('client_disconnect');
    await next.until(() => next.journal().depth === 0, 'journal emptied');
  });

  it.each([
    { damage: 'cut short (a torn write)', harm: async (file: string, last: number, size: number) => truncate(file, last + Math.floor((size - last) / 2)) },
    {
      damage: 'altered (its checksum fails)',
      harm: async (file: string, _last: number, size: number) => {
        const bytes = await readFile(file);
        bytes[size - 3] = (bytes[size - 3] ?? 0) ^ 0xff; // a payload byte of the last record
        await writeFile(file, bytes);
      },
    },
  ])('skips a journal record $damage found at start-up, delivers the intact ones before it, and counts the damaged turn', async ({ harm }) => {
    const first = await sidecarWith();
    await ingest.goAway();
    const turns = ids('damaged', 3);
    for (const id of turns) await capture(first, [id]);
    await stop(first);
    const segments = await journalSegments(spool.dir);
    expect(segments).toHaveLength(1);
    const segment = segments[0] as string;
    const bytes = await readFile(segment);
    const offsets = recordOffsets(bytes);
    expect(offsets).toHaveLength(3); // three turns, nothing acknowledged
    await harm(segment, offsets[2] as number, bytes.length);
    expect((await journalOnDisk(spool.dir)).depth).toBe(2); // what a reader recovers: the intact records only

    await ingest.comeBack();
    const next = await sidecarWith();
    await ingest.until(() => ingest.stored.size === 2);
    await next.until(() => next.journal().depth === 0 && next.delivery.settled, 'journal emptied');
    expect(ingest.posts.map((p) => p.request_id).sort()).toEqual(['damaged-0', 'damaged-1']);
    // The damaged turn's in-flight mark (written before it) was never settled by a readable item:
    // counted once, as an exchange the previous process did not finish (#12), not silently gone.
    expect(await next.metric('tapes_extproc_turns_dropped_total')).toBe(1);
    expect(await next.metric('tapes_extproc_turns_dropped_total', { reason: 'process_crash' })).toBe(1);
  });

  it('keeps delivering, from memory, while the journal cannot be written, and reports it on /health/live and journal_up', async () => {
    // TAPES_DATA_DIR under a regular file: no directory can be made there, whoever runs the test.
    const blocker = path.join(spool.dataDir, 'not-a-directory');
    await writeFile(blocker, '');
    const sidecar = await sidecarWith({ TAPES_DATA_DIR: path.join(blocker, 'data') });
    await sidecar.app.getHttpAdapter().getInstance().ready();
    expect(sidecar.journal().journal).toBe('unavailable');
    expect(await sidecar.metric('tapes_extproc_journal_up')).toBe(0);
    const live = await sidecar.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(503);
    expect(JSON.parse(live.body)).toMatchObject({ status: 'error', error: { journal: { status: 'down', message: expect.stringContaining('not-a-directory') } } });

    await capture(sidecar, ['memory-only']);
    await ingest.until(() => ingest.stored.has('memory-only'));
    await sidecar.until(() => sidecar.budget.inUse === 0, 'the bytes of the turn released once delivered');
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'direct' })).toBe(1);
    expect(await sidecar.metric('tapes_extproc_turns_dropped_total')).toBe(0);
  });
});
