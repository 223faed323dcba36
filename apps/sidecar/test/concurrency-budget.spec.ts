import { payloadBytes } from '@tapes/ext-proc';
import { chunks } from '@tapes/testing';
import { envoySequence } from '@tapes/testing/envoy';
import { FakeIngest } from './fake-ingest';
import { startSidecar, tempSpoolDir, type RunningSidecar } from './sidecar-harness';

/**
 * 200 concurrent exchanges (issue #6): the bytes held in memory never exceed the capture budget;
 * once it is exhausted turns are dropped with a reason, and Envoy is still answered at once. The
 * budget bounds exchanges in flight: a captured turn gives its share back once it is journaled,
 * so turns waiting for ingest hold none of it.
 */

const STREAMS = 200;
const KiB = 1024;
const REQUEST = Buffer.from(JSON.stringify({ model: 'claude', stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'x'.repeat(20 * KiB) }] }));
const RESPONSE = Buffer.from(`event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"${'y'.repeat(30 * KiB)}"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`);
/** What one exchange holds at its peak (base64 sizes, as the budget counts). */
const PER_TURN = payloadBytes(REQUEST.length) + payloadBytes(RESPONSE.length);

describe('200 concurrent streams', () => {
  let ingest: FakeIngest;
  let sidecar: RunningSidecar;
  let spool: Awaited<ReturnType<typeof tempSpoolDir>>;
  const budgetBytes = 60 * PER_TURN; // room for well under the 200 turns in flight at once

  beforeAll(async () => {
    ingest = await FakeIngest.start();
    spool = await tempSpoolDir();
    sidecar = await startSidecar({ INGEST_URL: ingest.url, TAPES_DATA_DIR: spool.dataDir, TAPES_CAPTURE_QUEUE_BYTES: String(budgetBytes) });
  });

  afterAll(async () => {
    await sidecar.close();
    await ingest.close();
    await spool.remove();
  });

  it('holds no more than the budget, drops the overflow as capture_budget, and answers every message', async () => {
    // Ingest holds its answers: the turns it has not acknowledged wait in the journal (and in
    // flight), and must not hold the budget — the exchanges in flight alone exhaust it.
    ingest.mode = 'hold';
    const script = (i: number) =>
      envoySequence(
        {
          path: '/v1/messages',
          requestHeaders: { 'x-request-id': `c-${i}` },
          requestChunks: chunks(REQUEST, 4 * KiB),
          responseHeaders: { 'content-type': 'text/event-stream' },
          responseChunks: chunks(RESPONSE, 4 * KiB),
        },
        { observabilityMode: false },
      );

    // Open all 200 streams and drive them in lock-step, one message each per round, so they are
    // all in flight together (as 200 agents streaming through one Envoy would be).
    const streams = Array.from({ length: STREAMS }, () => sidecar.envoy.open());
    const scripts = streams.map((_, i) => script(i));
    const rounds = Math.max(...scripts.map((s) => s.length));
    let peakOpen = 0;
    for (let round = 0; round < rounds; round += 1) {
      // Each send resolves only when its matching reply arrived: a reply that waited for delivery
      // (or for the budget) would stall this round forever, as ingest is not answering.
      await Promise.all(
        streams.map((stream, i) => {
          const message = scripts[i]?.[round];
          return message ? stream.send(message) : undefined;
        }),
      );
      peakOpen = Math.max(peakOpen, await sidecar.metric('tapes_extproc_inflight_exchanges'));
    }
    const results = await Promise.all(streams.map((stream) => stream.finish('half_close')));
    results.forEach((result, i) => expect(result.replies).toEqual(scripts[i]?.map((m) => m.request)));

    expect(peakOpen).toBe(STREAMS);
    expect(sidecar.budget.peak).toBeLessThanOrEqual(budgetBytes);
    const captured = await sidecar.metric('tapes_extproc_turns_captured_total');
    const dropped = await sidecar.metric('tapes_extproc_turns_dropped_total', { reason: 'capture_budget' });
    expect(dropped).toBeGreaterThan(0);
    expect(captured).toBeGreaterThan(0);
    expect(captured + dropped).toBe(STREAMS);
    expect(await sidecar.metric('tapes_extproc_exchanges_total', { outcome: 'dropped' })).toBe(dropped);

    // Every captured turn is journaled and waits for ingest's answer there, holding no budget:
    // once their exchanges have ended, nothing of the budget is in use although none is delivered.
    await sidecar.server.settled();
    await ingest.until(() => ingest.posts.length > 0);
    expect(sidecar.journal().depth).toBe(captured);
    expect(sidecar.journal().inFlight).toBeGreaterThan(0);
    expect(sidecar.journal().inFlight).toBeLessThanOrEqual(sidecar.config.ingest.connections);
    expect(ingest.stored.size).toBe(0);
    expect(sidecar.budget.inUse).toBe(0);
    expect(await sidecar.metric('tapes_extproc_capture_bytes')).toBe(0);
    ingest.mode = 'accept';
    ingest.release();
    await ingest.until(() => ingest.stored.size === captured);
    await sidecar.settled();
    await sidecar.until(() => sidecar.journal().depth === 0, 'journal emptied');
    expect(sidecar.budget.inUse).toBe(0);
    expect(await sidecar.metric('tapes_extproc_inflight_exchanges')).toBe(0);
    expect(await sidecar.metric('tapes_extproc_turns_delivered_total', { via: 'direct' })).toBe(captured);
  });
});
