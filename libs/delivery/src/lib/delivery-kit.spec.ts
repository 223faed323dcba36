import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ByteBudget } from './byte-budget';
import { DeliveryKit, type DeliveryResult, type ItemLabel } from './delivery-kit';

interface Item {
  requestId: string;
  body: string;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tapes-kit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A target whose answer the test sets; it records what it was given. */
class Target {
  answer: (item: Item) => DeliveryResult | Promise<DeliveryResult> = () => ({ kind: 'delivered' });
  readonly seen: string[] = [];
  readonly delivered: string[] = [];
  async deliver(item: Item): Promise<DeliveryResult> {
    this.seen.push(item.requestId);
    const result = await this.answer(item);
    if (result.kind === 'delivered') this.delivered.push(item.requestId);
    return result;
  }
}

interface Recorded {
  delivered: Array<[string, string]>;
  dropped: Array<[string, string]>;
  interrupted: string[];
  journalFailures: number;
}

async function kitFor(target: Target, options: { budget?: ByteBudget; dir?: string; maxBytes?: number; poisonAttempts?: number; reopenMs?: number } = {}) {
  const recorded: Recorded = { delivered: [], dropped: [], interrupted: [], journalFailures: 0 };
  const budget = options.budget ?? new ByteBudget(1 << 20);
  const kit = await DeliveryKit.create<Item>({
    journal: { dir: options.dir ?? dir, maxBytes: options.maxBytes ?? 1 << 20 },
    encode: (item) => Buffer.from(JSON.stringify(item)),
    decode: (payload) => JSON.parse(payload.toString('utf8')) as Item,
    label: (item): ItemLabel => ({ requestId: item.requestId, provider: 'test' }),
    deliver: (item) => target.deliver(item),
    concurrency: 2,
    backoff: { initialMs: 5, maxMs: 20 },
    poisonAttempts: options.poisonAttempts ?? 3,
    poisonReason: 'storage_reject',
    budget,
    reopenMs: options.reopenMs ?? 20,
    events: {
      delivered: (label, via) => recorded.delivered.push([label.requestId, via]),
      dropped: (label, reason) => recorded.dropped.push([label.requestId, reason]),
      journalFailed: () => (recorded.journalFailures += 1),
      interrupted: (label) => recorded.interrupted.push(label.requestId),
    },
  });
  return { kit, budget, recorded };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

const item = (i: number): Item => ({ requestId: `r${i}`, body: 'x'.repeat(100) });

describe('DeliveryKit', () => {
  it('journals, then delivers every item once, and empties the journal', async () => {
    const target = new Target();
    const { kit, budget, recorded } = await kitFor(target);
    kit.start();
    for (let i = 0; i < 10; i++) {
      budget.tryAcquire(100);
      expect(await kit.accept(item(i), 100)).toBe('journaled');
    }
    await until(() => target.delivered.length === 10);
    // Taken oldest first, but two at a time: one read back from the journal may finish after a
    // younger one the kit still held in memory, so completion order is not capture order.
    expect([...target.delivered].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    await until(() => budget.inUse === 0 && kit.stats().depth === 0);
    expect(recorded.dropped).toEqual([]);
    await kit.stop(1000);
  });

  it('keeps items on disk, not in memory, while the target is away, probes one at a time, and delivers them all when it returns', async () => {
    const target = new Target();
    let up = false;
    let concurrent = 0;
    let maxConcurrent = 0;
    target.answer = async () => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => setTimeout(r, 1));
      concurrent -= 1;
      return up ? { kind: 'delivered' } : { kind: 'retry', detail: 'storage unavailable' };
    };
    const { kit, budget, recorded } = await kitFor(target);
    kit.start();
    for (let i = 0; i < 20; i++) {
      budget.tryAcquire(100);
      await kit.accept(item(i), 100);
    }
    await until(() => target.seen.length >= 5 && kit.targetDown);
    await until(() => budget.inUse === 0);
    maxConcurrent = 0;
    await until(() => target.seen.length >= 10);
    expect(maxConcurrent).toBe(1);
    expect(kit.stats().depth).toBe(20);
    up = true;
    await until(() => target.delivered.length === 20);
    // Taken oldest first; with two in flight (one read back from disk) they may land in either order.
    expect(new Set(target.delivered)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `r${i}`)));
    expect(recorded.delivered.filter(([, via]) => via === 'backlog')).toHaveLength(20);
    await kit.stop(1000);
  });

  it('leaves undelivered items for the next run, which delivers them first', async () => {
    const down = new Target();
    down.answer = () => ({ kind: 'retry', detail: 'away' });
    const first = await kitFor(down);
    first.kit.start();
    for (let i = 0; i < 5; i++) await first.kit.accept(item(i), 0);
    await until(() => first.kit.targetDown);
    await first.kit.stop(1000);

    const up = new Target();
    const second = await kitFor(up);
    await second.kit.accept(item(5), 0);
    second.kit.start();
    await until(() => up.delivered.length === 6);
    expect(new Set(up.delivered)).toEqual(new Set(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']));
    expect(up.delivered.indexOf('r0')).toBeLessThan(up.delivered.indexOf('r5'));
    await second.kit.stop(1000);
  });

  it('reports at the next start the exchanges a dead process had in flight, and only those (#12)', async () => {
    const target = new Target();
    const first = await kitFor(target);
    first.kit.start();
    const journaled = first.kit.track({ requestId: 'r1', provider: 'test' });
    const notATurn = first.kit.track({ requestId: 'r2', provider: 'test' });
    const cut = first.kit.track({ requestId: 'r3', provider: 'test' });
    expect(await cut?.written).toBe(true);
    expect(await first.kit.accept(item(1), 0, journaled)).toBe('journaled');
    first.kit.untrack(notATurn!);
    await until(() => target.delivered.length === 1);
    // Killed here: no stop(), `r3` still in flight.
    const second = await kitFor(new Target());
    expect(second.recorded.interrupted).toEqual(['r3']);
    second.kit.start();
    await second.kit.stop(1000);
    const third = await kitFor(new Target());
    expect(third.recorded.interrupted).toEqual([]);
    await third.kit.stop(1000);
  });

  it('drops a refused item under its reason and goes on with the rest', async () => {
    const target = new Target();
    target.answer = (i) => (i.requestId === 'r1' ? { kind: 'reject', reason: 'ingest_reject', detail: '422' } : { kind: 'delivered' });
    const { kit, recorded } = await kitFor(target);
    kit.start();
    for (let i = 0; i < 3; i++) await kit.accept(item(i), 0);
    await until(() => target.delivered.length === 2);
    expect(recorded.dropped).toEqual([['r1', 'ingest_reject']]);
    await until(() => kit.stats().depth === 0);
    await kit.stop(1000);
  });

  it('drops an item whose delivery keeps throwing after the poison budget, without holding back the rest', async () => {
    const target = new Target();
    target.answer = (i) => {
      if (i.requestId === 'r0') throw new Error('worker died on this turn');
      return { kind: 'delivered' };
    };
    const { kit, recorded } = await kitFor(target, { poisonAttempts: 3 });
    kit.start();
    for (let i = 0; i < 3; i++) await kit.accept(item(i), 0);
    await until(() => target.delivered.length === 2 && recorded.dropped.length === 1);
    expect(recorded.dropped).toEqual([['r0', 'storage_reject']]);
    expect(target.seen.filter((id) => id === 'r0')).toHaveLength(3);
    await kit.stop(1000);
  });

  it('refuses an item the journal has no room for (spool_full), counted', async () => {
    const target = new Target();
    target.answer = () => ({ kind: 'retry', detail: 'away' });
    const { kit, recorded } = await kitFor(target, { maxBytes: 600 });
    kit.start();
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await kit.accept(item(i), 0));
    expect(outcomes).toContain('dropped');
    expect(recorded.dropped.every(([, reason]) => reason === 'spool_full')).toBe(true);
    await kit.stop(1000);
  });

  it('keeps delivering from memory while the journal cannot be opened, and journals again once it can (#12)', async () => {
    const blocked = path.join(dir, 'data');
    writeFileSync(blocked, 'not a directory');
    const target = new Target();
    const { kit, recorded } = await kitFor(target, { dir: path.join(blocked, 'journal') });
    kit.start();
    expect(kit.stats().journal).toBe('unavailable');
    expect(await kit.accept(item(0), 0)).toBe('memory');
    await until(() => target.delivered.includes('r0'));
    expect(recorded.journalFailures).toBeGreaterThan(0);
    rmSync(blocked);
    await until(() => kit.stats().journal === 'ok');
    expect(await kit.accept(item(1), 0)).toBe('journaled');
    await until(() => target.delivered.includes('r1'));
    await kit.stop(1000);
  });

  it('counts a memory-only item it could not deliver before stopping as dropped (shutdown)', async () => {
    const blocked = path.join(dir, 'data');
    writeFileSync(blocked, 'x');
    const target = new Target();
    target.answer = () => ({ kind: 'retry', detail: 'away' });
    const { kit, recorded } = await kitFor(target, { dir: path.join(blocked, 'journal'), reopenMs: 60_000 });
    kit.start();
    await kit.accept(item(0), 0);
    await until(() => kit.targetDown);
    await kit.stop(50);
    expect(recorded.dropped).toEqual([['r0', 'shutdown']]);
  });
});

describe('DeliveryKit with a target that decodes for itself (deliverEncoded, #17)', () => {
  async function encodedKit(keepEncodedBytes: number) {
    const payloads: string[] = [];
    let decoded = 0;
    const kit = await DeliveryKit.create<Item>({
      journal: { dir, maxBytes: 1 << 20 },
      encode: (item) => Buffer.from(JSON.stringify(item)),
      decode: (payload) => {
        decoded += 1;
        return JSON.parse(payload.toString('utf8')) as Item;
      },
      label: (item): ItemLabel => ({ requestId: item.requestId, provider: 'test' }),
      deliver: () => Promise.reject(new Error('journaled items go to deliverEncoded')),
      deliverEncoded: async (payload, label) => {
        payloads.push(`${label.requestId}:${payload.toString('utf8')}`);
        return { kind: 'delivered' };
      },
      keepEncodedBytes,
      concurrency: 2,
      backoff: { initialMs: 5, maxMs: 20 },
      poisonAttempts: 3,
      poisonReason: 'storage_reject',
      budget: new ByteBudget(1 << 20),
    });
    return { kit, payloads, decoded: () => decoded };
  }

  it.each([
    ['kept in memory', 1 << 20],
    ['read back from the journal', 0],
  ])('delivers every journaled item as its encoded bytes, never decoded here (%s)', async (_how, keep) => {
    const { kit, payloads, decoded } = await encodedKit(keep);
    kit.start();
    const items = Array.from({ length: 6 }, (_, i) => ({ requestId: `r${i}`, body: `body ${i}` }));
    for (const outcome of await Promise.all(items.map((item) => kit.accept(item, 0)))) expect(outcome).toBe('journaled');
    await until(() => kit.settled && payloads.length === items.length);
    expect(payloads.sort()).toEqual(items.map((item) => `${item.requestId}:${JSON.stringify(item)}`));
    expect(decoded()).toBe(0);
    expect(kit.stats().depth).toBe(0);
    await kit.stop(50);
  });
});
