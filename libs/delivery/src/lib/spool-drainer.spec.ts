import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeliveryVerdict } from './delivery-verdict';
import { DiskSpool, type SpoolItem } from './disk-spool';
import { SpoolDrainer, type SpoolDrainerOptions } from './spool-drainer';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapes-drainer-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A target whose answers the test scripts, recording what it was sent in order. */
class FakeTarget {
  readonly received: string[] = [];
  answer: (item: SpoolItem) => DeliveryVerdict = () => 'delivered';
  handler = async (item: SpoolItem): Promise<DeliveryVerdict> => {
    this.received.push(item.payload.toString());
    return this.answer(item);
  };
}

/** Resolves when `predicate` holds after a settle/error event (no polling, no sleeps). */
function recorder() {
  const settled: string[] = [];
  const errors: unknown[] = [];
  let waiters: Array<() => void> = [];
  const notify = () => {
    const current = waiters;
    waiters = [];
    current.forEach((w) => w());
  };
  const options: Pick<SpoolDrainerOptions, 'onSettled' | 'onError'> = {
    onSettled: (entry, outcome) => {
      settled.push(`${entry.meta['name']}:${outcome}`);
      notify();
    },
    onError: (err) => {
      errors.push(err);
      notify();
    },
  };
  const until = async (predicate: () => boolean): Promise<void> => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { settled, errors, options, until };
}

const fastBackoff = { initialMs: 1, maxMs: 2 };

async function fill(spool: DiskSpool, names: string[]): Promise<void> {
  for (const name of names) await spool.put(Buffer.from(name), { name });
}

describe('SpoolDrainer', () => {
  it('delivers what the spool holds, oldest first, and removes each delivered item', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a', 'b', 'c']);
    const target = new FakeTarget();
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, ...rec.options });
    drainer.start();
    await rec.until(() => rec.settled.length === 3);
    await drainer.stop();
    expect(target.received).toEqual(['a', 'b', 'c']);
    expect(rec.settled).toEqual(['a:delivered', 'b:delivered', 'c:delivered']);
    expect(spool.stats()).toEqual({ depth: 0, bytes: 0 });
  });

  it('keeps retrying the head item while the target is down, never skipping ahead, then delivers all in order', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a', 'b']);
    const target = new FakeTarget();
    let downFor = 4;
    target.answer = () => (downFor-- > 0 ? 'retry' : 'delivered');
    const waits: number[] = [];
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, {
      backoff: { initialMs: 100, maxMs: 250 },
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
        return true;
      },
      ...rec.options,
    });
    drainer.start();
    await rec.until(() => rec.settled.length === 2);
    await drainer.stop();
    expect(target.received).toEqual(['a', 'a', 'a', 'a', 'a', 'b']);
    expect(waits).toEqual([50, 100, 125, 125]); // exponential, jittered (random 0.5), capped
    expect(rec.settled).toEqual(['a:delivered', 'b:delivered']);
  });

  it('moves an item the target keeps refusing behind the others, so it cannot block them', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['poison', 'a', 'b']);
    const target = new FakeTarget();
    target.answer = (item) => (item.meta['name'] === 'poison' ? 'retry' : 'delivered');
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, probeAfterFailures: 3, ...rec.options });
    drainer.start();
    await rec.until(() => rec.settled.length === 2);
    await drainer.stop();
    expect(rec.settled).toEqual(['a:delivered', 'b:delivered']);
    expect(target.received.slice(0, 6)).toEqual(['poison', 'poison', 'poison', 'a', 'poison', 'b']);
    expect(spool.list().map((e) => e.meta['name'])).toEqual(['poison']);
  });

  it('keeps the order through an outage: when every item fails, nothing is moved', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a', 'b', 'c']);
    const target = new FakeTarget();
    let downFor = 20;
    target.answer = () => (downFor-- > 0 ? 'retry' : 'delivered');
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, probeAfterFailures: 3, ...rec.options });
    drainer.start();
    await rec.until(() => rec.settled.length === 3);
    await drainer.stop();
    expect(rec.settled).toEqual(['a:delivered', 'b:delivered', 'c:delivered']);
    expect(target.received.filter((name) => name === 'b').length).toBeGreaterThan(1); // probed while down
  });

  it('does not move the head when the target comes back just as the item behind it is probed', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a', 'b', 'c']);
    const target = new FakeTarget();
    let downFor = 7; // a×3, probe b, a×3: the 8th attempt (the next probe of b) finds the target up
    target.answer = () => (downFor-- > 0 ? 'retry' : 'delivered');
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, probeAfterFailures: 3, ...rec.options });
    drainer.start();
    await rec.until(() => rec.settled.length === 3);
    await drainer.stop();
    expect(rec.settled).toEqual(['b:delivered', 'a:delivered', 'c:delivered']);
  });

  it('waits as long as the target asked (Retry-After) before the next attempt', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a']);
    const target = new FakeTarget();
    let first = true;
    target.answer = () => (first ? ((first = false), { retryAfterMs: 3000 }) : 'delivered');
    const waits: number[] = [];
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, {
      backoff: { initialMs: 10, maxMs: 100, maxRetryAfterMs: 60_000 },
      sleep: async (ms) => {
        waits.push(ms);
        return true;
      },
      ...rec.options,
    });
    drainer.start();
    await rec.until(() => rec.settled.length === 1);
    await drainer.stop();
    expect(waits).toEqual([3000]);
  });

  it('removes a rejected item without retrying it and goes on with the next', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['bad', 'good']);
    const target = new FakeTarget();
    target.answer = (item) => (item.meta['name'] === 'bad' ? 'reject' : 'delivered');
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, ...rec.options });
    drainer.start();
    await rec.until(() => rec.settled.length === 2);
    await drainer.stop();
    expect(target.received).toEqual(['bad', 'good']);
    expect(rec.settled).toEqual(['bad:rejected', 'good:delivered']);
    expect(spool.stats().depth).toBe(0);
  });

  it('sleeps while the spool is empty and wakes for the next put', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    const target = new FakeTarget();
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, ...rec.options });
    drainer.start();
    await fill(spool, ['late']);
    await rec.until(() => rec.settled.length === 1);
    await drainer.stop();
    expect(target.received).toEqual(['late']);
  });

  it('treats a throwing handler as a retry: the item is reported and kept, then delivered', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a']);
    let calls = 0;
    const rec = recorder();
    const drainer = new SpoolDrainer(
      spool,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('socket hang up');
        return 'delivered';
      },
      { backoff: fastBackoff, ...rec.options },
    );
    drainer.start();
    await rec.until(() => rec.settled.length === 1);
    await drainer.stop();
    expect(rec.errors).toEqual([new Error('socket hang up')]);
    expect(calls).toBe(2);
  });

  it('skips an item damaged on disk (quarantined) and delivers the next', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['damaged', 'fine']);
    const damaged = spool.oldest();
    if (!damaged) throw new Error('empty');
    const file = path.join(dir, `${damaged.id}.spool`);
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(file, bytes);
    const target = new FakeTarget();
    const rec = recorder();
    const drainer = new SpoolDrainer(spool, target.handler, { backoff: fastBackoff, ...rec.options });
    drainer.start();
    await rec.until(() => rec.settled.length === 1);
    await drainer.stop();
    expect(target.received).toEqual(['fine']);
    expect(spool.quarantined).toBe(1);
  });

  it('stops during a backoff wait, keeps the undelivered item, and a restarted drainer on a reopened spool delivers it', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a']);
    const down = new FakeTarget();
    down.answer = () => 'retry';
    let waiting!: () => void;
    const inBackoff = new Promise<void>((resolve) => (waiting = resolve));
    const drainer = new SpoolDrainer(spool, down.handler, {
      backoff: { initialMs: 3_600_000, maxMs: 3_600_000 },
      random: () => 0.99,
      sleep: (ms, signal) =>
        new Promise((resolve) => {
          waiting();
          signal.addEventListener('abort', () => resolve(false), { once: true });
        }),
    });
    drainer.start();
    await inBackoff;
    await drainer.stop();
    expect(spool.stats().depth).toBe(1);

    const reopened = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    const up = new FakeTarget();
    const rec = recorder();
    const next = new SpoolDrainer(reopened, up.handler, { backoff: fastBackoff, ...rec.options });
    next.start();
    await rec.until(() => rec.settled.length === 1);
    await next.stop();
    expect(up.received).toEqual(['a']);
    expect(reopened.stats().depth).toBe(0);
  });

  it('aborts the in-flight delivery through its signal on stop and keeps the item', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a']);
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    let sawAbort = false;
    const drainer = new SpoolDrainer(
      spool,
      (_item, signal) =>
        new Promise<DeliveryVerdict>((resolve) => {
          started();
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve('retry');
          });
        }),
      { backoff: fastBackoff },
    );
    drainer.start();
    await inFlight;
    await drainer.stop();
    expect(sawAbort).toBe(true);
    expect(spool.stats().depth).toBe(1);
  });

  it('reports backing off while the head item fails and not once the spool is drained', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
    await fill(spool, ['a']);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const observed: boolean[] = [];
    const rec = recorder();
    const drainer = new SpoolDrainer(
      spool,
      async () => {
        calls += 1;
        return calls === 1 ? 'retry' : 'delivered';
      },
      {
        backoff: fastBackoff,
        sleep: async () => {
          observed.push(drainer.backingOff);
          await gate;
          return true;
        },
        ...rec.options,
      },
    );
    drainer.start();
    release();
    await rec.until(() => rec.settled.length === 1);
    await drainer.stop();
    expect(observed).toEqual([true]);
    expect(drainer.backingOff).toBe(false);
  });
});
