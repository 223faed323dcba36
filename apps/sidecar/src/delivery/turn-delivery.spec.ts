import { Logger } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { capturedTurn, encodeCapturedTurn, ingestEnvelopeSchema, type CapturedTurn } from '@tapes/capture';
import { ByteBudget, Journal } from '@tapes/delivery';
import { parseConfig } from '@tapes/nest-kit';
import { Registry } from 'prom-client';
import { REDACTION_MARKER } from '@tapes/testing';
import { sidecarConfigSchema } from '../config/sidecar-config';
import { SidecarMetrics } from '../metrics/sidecar-metrics';
import type { IngestClient, IngestPostResult } from './ingest-client';
import { TurnDelivery } from './turn-delivery';

/**
 * TurnDelivery's own rules, with an ingest client scripted per test (the HTTP side is covered
 * against a real socket in test/delivery-resilience.spec.ts).
 */

type Post = (payload: Buffer, signal?: AbortSignal) => Promise<IngestPostResult>;

const DELIVERED: IngestPostResult = { verdict: 'delivered', status: 202, duplicate: false, outcome: 'complete' };
const AWAY: IngestPostResult = { verdict: 'retry', cause: 'unavailable', status: 503, detail: 'ingest answered 503' };
const REFUSED: IngestPostResult = { verdict: 'reject', status: 422, reason: 'ingest_reject', detail: 'ingest answered 422' };

let dir: string;
const opened: TurnDelivery[] = [];

beforeAll(() => Logger.overrideLogger(false)); // outside an app Nest would print to the console

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapes-delivery-'));
});

afterEach(async () => {
  for (const delivery of opened.splice(0)) await delivery.stop(0);
  await rm(dir, { recursive: true, force: true });
});

function turn(requestId: string): CapturedTurn {
  return capturedTurn({
    requestId,
    site: 'sidecar',
    provider: 'anthropic',
    api: 'anthropic.messages',
    agentName: 'claude-code',
    method: 'POST',
    path: '/v1/messages',
    status: 200,
    requestHeaders: { ':path': '/agents/claude-code/v1/messages', 'x-request-id': requestId, 'x-api-key': 'sk-ant-secret' },
    responseHeaders: { ':status': '200', 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
    requestBody: Buffer.from(`{"model":"claude","messages":[{"role":"user","content":"${requestId}"}]}`),
    responseBody: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]),
    startedAt: new Date('2026-01-01T00:00:00Z'),
    firstByteAt: new Date('2026-01-01T00:00:00.500Z'),
    endedAt: new Date('2026-01-01T00:00:01Z'),
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 50_000; // an outcome, not a timing: generous on a loaded machine
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function setUp(post: Post, options: { budget?: ByteBudget; env?: Record<string, string> } = {}) {
  const config = parseConfig('test', sidecarConfigSchema, { DELIVERY_RETRY_INITIAL: '1ms', DELIVERY_RETRY_MAX: '2ms', TAPES_DATA_DIR: dir, ...options.env });
  const budget = options.budget ?? new ByteBudget(1 << 20);
  const registry = new Registry();
  const metrics = new SidecarMetrics(registry, budget);
  const client = { post, close: async () => undefined } as unknown as IngestClient;
  const delivery = await TurnDelivery.create(config, client, budget, metrics);
  opened.push(delivery);
  const count = async (name: string, labels: Record<string, string> = {}) => {
    const { values } = await (registry.getSingleMetric(name) as NonNullable<ReturnType<Registry['getSingleMetric']>>).get();
    return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
  };
  /** Hands a turn over as the exchange does: with its share of the budget already reserved. */
  const accept = (captured: CapturedTurn, heldBytes = 4096) => {
    if (!budget.tryAcquire(heldBytes)) throw new Error('test budget too small');
    return delivery.accept(captured, heldBytes);
  };
  return { delivery, budget, count, accept };
}

/** Every byte of the journal's segment files, read synchronously (as of this very moment). */
function journalOnDisk(): Buffer {
  return Buffer.concat(
    readdirSync(path.join(dir, 'spool'))
      .filter((name) => name.endsWith('.journal'))
      .sort()
      .map((name) => readFileSync(path.join(dir, 'spool', name))),
  );
}

describe('TurnDelivery', () => {
  it('has every turn on disk before its first POST, even while ingest answers at once (journal first)', async () => {
    const onDiskAtPost: boolean[] = [];
    const { delivery, accept, count } = await setUp(async (payload) => {
      const requestId = (JSON.parse(payload.toString('utf8')) as { request_id: string }).request_id;
      onDiskAtPost.push(journalOnDisk().includes(encodeCapturedTurn(turn(requestId))));
      return DELIVERED;
    });
    delivery.start();
    for (const id of ['first', 'second', 'third']) expect(await accept(turn(id))).toBe('journaled');
    await until(() => onDiskAtPost.length === 3 && delivery.settled, 'three deliveries');
    expect(onDiskAtPost).toEqual([true, true, true]);
    expect(await count('tapes_extproc_turns_delivered_total', { via: 'direct', result: 'stored', outcome: 'complete' })).toBe(3);
    expect(delivery.stats()).toMatchObject({ depth: 0, inFlight: 0, journal: 'ok' });
  });

  it('posts the raw-turn envelope of the ingest contract: both bodies base64 as captured, no credential', async () => {
    const payloads: Buffer[] = [];
    const { delivery, accept } = await setUp(async (payload) => {
      payloads.push(payload);
      return DELIVERED;
    });
    delivery.start();
    const captured = turn('req-7');
    await accept(captured);
    await until(() => payloads.length === 1, 'one POST');
    const text = payloads[0]?.toString('utf8') ?? '';
    expect(text).not.toContain('sk-ant-secret');
    const envelope = JSON.parse(text) as Record<string, unknown>;
    expect(envelope).toEqual({
      provider: 'anthropic',
      api: 'anthropic.messages',
      path: '/v1/messages',
      agent_name: 'claude-code',
      request_id: 'req-7',
      capture_site: 'sidecar',
      request_body_base64: Buffer.from(captured.requestBody).toString('base64'),
      response_body_base64: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]).toString('base64'),
      response_content_type: 'text/event-stream',
      response_content_encoding: 'gzip',
      request_headers: expect.objectContaining({ 'x-api-key': expect.stringMatching(REDACTION_MARKER), ':path': '/agents/claude-code/v1/messages' }),
      response_headers: expect.objectContaining({ ':status': '200', 'content-encoding': 'gzip' }),
      status: 200,
      started_at: '2026-01-01T00:00:00.000Z',
      first_byte_at: '2026-01-01T00:00:00.500Z',
      ended_at: '2026-01-01T00:00:01.000Z',
    });
    // What ingest validates with takes it as it is.
    expect(ingestEnvelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it.each([
    { name: 'ingest stores it', answer: DELIVERED },
    { name: 'ingest is away', answer: AWAY },
    { name: 'ingest refuses it', answer: REFUSED },
  ])('gives back the capture budget a turn held as soon as it is journaled ($name)', async ({ answer }) => {
    let answered = 0;
    const { delivery, budget, accept } = await setUp(async () => {
      answered += 1;
      return answer;
    });
    delivery.start();
    expect(await accept(turn('held'), 4096)).toBe('journaled');
    // The journal holds it now: what ingest does with it no longer concerns memory.
    expect(budget.inUse).toBe(0);
    await until(() => answered > 0 && delivery.settled, 'the answer');
    expect(budget.inUse).toBe(0);
  });

  it('drops a turn the journal has no room for as spool_full, and gives back what it held', async () => {
    const { delivery, budget, accept, count } = await setUp(async () => DELIVERED, { env: { TAPES_SPOOL_MAX_BYTES: '100' } });
    delivery.start();
    expect(await accept(turn('too-big'), 4096)).toBe('dropped');
    expect(budget.inUse).toBe(0);
    expect(await count('tapes_extproc_turns_dropped_total', { reason: 'spool_full' })).toBe(1);
  });

  it('keeps a turn in memory, within the budget, while the journal cannot be written, and gives it back once delivered', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, '');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { delivery, budget, accept, count } = await setUp(
      async () => {
        await released;
        return DELIVERED;
      },
      { env: { TAPES_DATA_DIR: path.join(blocker, 'data') } },
    );
    expect(delivery.stats()).toMatchObject({ journal: 'unavailable', journalError: expect.stringContaining('a-file') });
    delivery.start();
    expect(await accept(turn('memory-only'), 4096)).toBe('memory');
    expect(budget.inUse).toBe(4096); // held until ingest has it: nothing else keeps it
    release();
    await until(() => delivery.settled, 'delivery');
    expect(budget.inUse).toBe(0);
    expect(await count('tapes_extproc_turns_delivered_total', { via: 'direct' })).toBe(1);
  });

  it('retries a turn whose delivery threw (a bug must not cost the turn on its first failure)', async () => {
    let attempts = 0;
    const { delivery, accept, count } = await setUp(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('bug');
      return DELIVERED;
    });
    delivery.start();
    await accept(turn('bug-once'));
    await until(async () => (await count('tapes_extproc_turns_delivered_total')) === 1, 'delivery on the second try');
    expect(attempts).toBe(2);
    expect(await count('tapes_extproc_turns_dropped_total')).toBe(0);
    await until(() => delivery.stats().depth === 0, 'journal emptied');
  });

  it('gives up on a turn whose delivery keeps throwing after 5 tries (capture_error), without holding back the turns behind it', async () => {
    const tries = new Map<string, number>();
    const post: Post = async (payload) => {
      const requestId = (JSON.parse(payload.toString('utf8')) as { request_id: string }).request_id;
      tries.set(requestId, (tries.get(requestId) ?? 0) + 1);
      if (requestId === 'poison') throw new Error('bug');
      return DELIVERED;
    };
    // One delivery at a time: 'behind' can only go once 'poison' is given up.
    const { delivery, accept, count } = await setUp(post, { env: { INGEST_CONNECTIONS: '1' } });
    delivery.start();
    await accept(turn('poison'));
    await accept(turn('behind'));
    await until(async () => (await count('tapes_extproc_turns_delivered_total')) === 1, 'the turn behind it delivered');
    await until(() => delivery.settled && delivery.stats().depth === 0, 'journal emptied');
    expect(tries.get('poison')).toBe(5);
    expect(tries.get('behind')).toBe(1);
    expect(await count('tapes_extproc_turns_dropped_total', { reason: 'capture_error' })).toBe(1);
  });

  it('goes on delivering what waits at shutdown while ingest answers, within the grace', async () => {
    const posted: string[] = [];
    const { delivery, accept } = await setUp(async (payload) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      posted.push((JSON.parse(payload.toString('utf8')) as { request_id: string }).request_id);
      return DELIVERED;
    });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) await accept(turn(id));
    delivery.start();
    await delivery.stop(30_000); // a bound, not a wait: it returns once everything is delivered
    expect(posted.sort()).toEqual(ids);
    expect(delivery.stats()).toMatchObject({ depth: 0, inFlight: 0 });
  });

  it('stops retrying on shutdown, leaves the turn in the journal, and the next run delivers it', async () => {
    let attempts = 0;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    const { delivery, accept } = await setUp(async () => {
      attempts += 1;
      firstAttempt();
      // Ingest asks for a minute: only shutdown can end that wait.
      return { ...AWAY, retryAfterMs: 60_000 };
    });
    delivery.start();
    await accept(turn('at-shutdown'));
    await attempted;
    await until(() => delivery.ingestDown, 'ingest found away');
    await delivery.stop(1_000);
    expect(attempts).toBe(1);
    expect(delivery.stats().depth).toBe(1);
    expect((await Journal.inspect(path.join(dir, 'spool'))).depth).toBe(1); // on disk, for the next run

    const posted: string[] = [];
    const next = await setUp(async (payload) => {
      posted.push((JSON.parse(payload.toString('utf8')) as { request_id: string }).request_id);
      return DELIVERED;
    });
    expect(next.delivery.stats().depth).toBe(1);
    next.delivery.start();
    await until(async () => (await next.count('tapes_extproc_turns_delivered_total', { via: 'backlog' })) === 1, 'delivered by the next run');
    expect(posted).toEqual(['at-shutdown']);
    expect(attempts).toBe(1);
  });
});
