import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ByteBudget, DiskSpool } from '@tapes/delivery';
import { parseConfig } from '@tapes/nest-kit';
import { Registry } from 'prom-client';
import { sidecarConfigSchema } from '../config/sidecar-config';
import type { CapturedTurn } from '../exchange/captured-turn';
import { SidecarMetrics } from '../metrics/sidecar-metrics';
import type { IngestClient, IngestPostResult } from './ingest-client';
import { TurnDelivery } from './turn-delivery';

/**
 * TurnDelivery's own rules, with an ingest client scripted per test (the HTTP side is covered
 * against a real socket in test/delivery-resilience.spec.ts).
 */

let dir: string;

beforeAll(() => Logger.overrideLogger(false)); // outside an app Nest would print to the console

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapes-delivery-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function turn(requestId: string, reservedBytes: number): CapturedTurn {
  return {
    requestId,
    provider: 'anthropic',
    path: '/v1/messages',
    requestHeaders: {},
    responseHeaders: {},
    requestBody: Buffer.from('{"model":"claude","messages":[]}'),
    responseBody: Buffer.from('event: message_stop\ndata: {}\n\n'),
    status: 200,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    endedAt: new Date('2026-01-01T00:00:01Z'),
    reservedBytes,
  };
}

async function setUp(post: (payload: Buffer, signal?: AbortSignal) => Promise<IngestPostResult>, budget = new ByteBudget(1 << 20)) {
  const config = parseConfig('test', sidecarConfigSchema, { DELIVERY_MAX_ATTEMPTS: '3', DELIVERY_RETRY_INITIAL_MS: '1', DELIVERY_RETRY_MAX_MS: '2', SPOOL_DIR: dir });
  const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
  const registry = new Registry();
  const metrics = new SidecarMetrics(registry, budget, spool);
  const client = { post, close: async () => undefined } as unknown as IngestClient;
  const delivery = new TurnDelivery(config, client, spool, budget, metrics);
  const count = async (name: string, labels: Record<string, string> = {}) => {
    const { values } = await (registry.getSingleMetric(name) as NonNullable<ReturnType<Registry['getSingleMetric']>>).get();
    return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
  };
  /** Hands a turn over as the exchange does: with its share of the budget already reserved. */
  const submit = (captured: CapturedTurn) => {
    if (!budget.tryAcquire(captured.reservedBytes)) throw new Error('test budget too small');
    delivery.submit(captured);
  };
  return { delivery, spool, budget, count, submit };
}

describe('TurnDelivery', () => {
  it('keeps a turn on disk when the delivery path throws (a bug must not cost the turn)', async () => {
    const { delivery, spool, count, submit } = await setUp(async () => {
      throw new Error('bug');
    });
    submit(turn('bug-1', 4096));
    await delivery.idle();
    expect(spool.stats().depth).toBe(1);
    expect(await count('tapes_extproc_turns_spooled_total')).toBe(1);
    expect(await count('tapes_extproc_turns_dropped_total')).toBe(0);
  });

  it('releases exactly the reservation it was handed, whatever the outcome', async () => {
    const budget = new ByteBudget(1 << 20);
    const { delivery, submit } = await setUp(async () => ({ verdict: 'delivered', status: 202, duplicate: false }), budget);
    submit(turn('ok-1', 4096));
    await delivery.idle();
    expect(budget.inUse).toBe(0);
  });

  it('drops a turn whose payload outgrew its reservation when the budget has no room left', async () => {
    const budget = new ByteBudget(100);
    const { delivery, count, submit } = await setUp(async () => ({ verdict: 'delivered', status: 202, duplicate: false }), budget);
    submit(turn('too-big', 100));
    await delivery.idle();
    expect(await count('tapes_extproc_turns_dropped_total', { reason: 'capture_budget' })).toBe(1);
    expect(budget.inUse).toBe(0);
  });

  it('stops retrying on shutdown and spools what was still being retried', async () => {
    let attempts = 0;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    const { delivery, spool, submit } = await setUp(async () => {
      attempts += 1;
      firstAttempt();
      return { verdict: 'retry', cause: 'unavailable', status: 503, retryAfterMs: 1, detail: 'down' };
    });
    submit(turn('at-shutdown', 4096));
    await attempted;
    await delivery.beforeApplicationShutdown();
    expect(spool.stats().depth).toBe(1);
    expect(attempts).toBe(1);
  });
});
