import { mkdtemp, readdir, rm, truncate, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiskSpool } from './disk-spool';
import { SPOOL_RECORD_HEADER_BYTES } from './spool-record';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapes-spool-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

describe('DiskSpool', () => {
  it('stores items and lists them oldest first with their meta', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    const a = await spool.put(Buffer.from('first'), { requestId: 'a' });
    const b = await spool.put(Buffer.from('second'), { requestId: 'b' });
    expect(a.stored && b.stored).toBe(true);
    expect(spool.list().map((e) => e.meta['requestId'])).toEqual(['a', 'b']);
    expect(spool.oldest()?.meta).toEqual({ requestId: 'a' });
  });

  it('reads back exactly the bytes that were put', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    const payload = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
    const put = await spool.put(payload, { k: 'v' });
    if (!put.stored) throw new Error('not stored');
    const item = await spool.read(put.id);
    expect(item?.payload.equals(payload)).toBe(true);
    expect(item?.meta).toEqual({ k: 'v' });
  });

  it('reports depth and on-disk bytes, and forgets removed items', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    const put = await spool.put(Buffer.alloc(100), {});
    await spool.put(Buffer.alloc(50), {});
    const record = (payload: number) => SPOOL_RECORD_HEADER_BYTES + 2 /* "{}" */ + payload;
    expect(spool.stats()).toEqual({ depth: 2, bytes: record(100) + record(50) });
    if (put.stored) await spool.remove(put.id);
    expect(spool.stats()).toEqual({ depth: 1, bytes: record(50) });
    expect((await readdir(dir)).filter((n) => n.endsWith('.spool'))).toHaveLength(1);
  });

  it('refuses an item that would take the spool past maxBytes, and accepts again once drained', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1000 });
    const first = await spool.put(Buffer.alloc(600), {});
    expect(first.stored).toBe(true);
    expect(await spool.put(Buffer.alloc(600), {})).toEqual({ stored: false, reason: 'spool_full' });
    if (first.stored) await spool.remove(first.id);
    expect((await spool.put(Buffer.alloc(600), {})).stored).toBe(true);
  });

  it('counts concurrent puts against maxBytes before they land', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 1000 });
    const results = await Promise.all(Array.from({ length: 5 }, () => spool.put(Buffer.alloc(300), {})));
    expect(results.filter((r) => r.stored)).toHaveLength(2);
    expect(spool.stats().bytes).toBeLessThanOrEqual(1000);
  });

  it('survives a restart: a new instance on the same directory sees the items in order and keeps numbering after them', async () => {
    const before = await DiskSpool.open({ dir, maxBytes: MiB });
    await before.put(Buffer.from('one'), { n: '1' });
    await before.put(Buffer.from('two'), { n: '2' });
    const after = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(after.recovery).toEqual({ recovered: 2, quarantined: 0, partialRemoved: 0 });
    await after.put(Buffer.from('three'), { n: '3' });
    expect(after.list().map((e) => e.meta['n'])).toEqual(['1', '2', '3']);
    const oldest = after.oldest();
    expect(oldest && (await after.read(oldest.id))?.payload.toString()).toBe('one');
  });

  it('ignores and removes a partially written temp file left by a crash', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    await spool.put(Buffer.from('whole'), {});
    await writeFile(path.join(dir, '0000000000000002.spool.tmp'), Buffer.from('TAPESPL1 half a rec'));
    const reopened = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(reopened.recovery).toEqual({ recovered: 1, quarantined: 0, partialRemoved: 1 });
    expect(reopened.stats().depth).toBe(1);
    expect((await readdir(dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('quarantines an item cut short on disk at start-up and keeps the intact ones', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    const damaged = await spool.put(Buffer.alloc(200, 1), { which: 'damaged' });
    await spool.put(Buffer.alloc(200, 2), { which: 'intact' });
    if (!damaged.stored) throw new Error('not stored');
    await truncate(path.join(dir, `${damaged.id}.spool`), 120);
    const reopened = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(reopened.recovery).toEqual({ recovered: 1, quarantined: 1, partialRemoved: 0 });
    expect(reopened.list().map((e) => e.meta['which'])).toEqual(['intact']);
    expect(await readdir(path.join(dir, 'quarantine'))).toHaveLength(1);
  });

  it.each([
    { name: 'garbage', bytes: Buffer.from('not a spool record at all, just some bytes to fill a header') },
    { name: 'empty', bytes: Buffer.alloc(0) },
  ])('quarantines a $name file with an item name at start-up', async ({ bytes }) => {
    await writeFile(path.join(dir, '0000000000000007.spool'), bytes);
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(spool.recovery.quarantined).toBe(1);
    expect(spool.stats().depth).toBe(0);
    const put = await spool.put(Buffer.from('x'), {});
    expect(put.stored && put.id).toBe('0000000000000008');
  });

  it('quarantines an item whose payload was damaged in place when it is read', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    const put = await spool.put(Buffer.from('payload bytes'), {});
    if (!put.stored) throw new Error('not stored');
    const file = path.join(dir, `${put.id}.spool`);
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(file, bytes);
    const reopened = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(reopened.stats().depth).toBe(1); // the header is intact: only the checksum finds it
    expect(await reopened.read(put.id)).toBeUndefined();
    expect(reopened.quarantined).toBe(1);
    expect(reopened.stats()).toEqual({ depth: 0, bytes: 0 });
  });

  it('moves a requeued item behind the others, durably', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    await spool.put(Buffer.from('a'), { n: 'a' });
    await spool.put(Buffer.from('b'), { n: 'b' });
    const first = spool.oldest();
    if (!first) throw new Error('empty');
    const newId = await spool.requeue(first.id);
    expect(newId).toBe('0000000000000003');
    expect(spool.list().map((e) => e.meta['n'])).toEqual(['b', 'a']);
    expect((await spool.read('0000000000000003'))?.payload.toString()).toBe('a');
    const reopened = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(reopened.list().map((e) => e.meta['n'])).toEqual(['b', 'a']);
    expect(await reopened.requeue('0000000000000001')).toBeUndefined();
  });

  it('leaves files that are not its own alone', async () => {
    await writeFile(path.join(dir, 'README'), 'hello');
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    expect(spool.recovery).toEqual({ recovered: 0, quarantined: 0, partialRemoved: 0 });
    expect(await readdir(dir)).toContain('README');
  });

  it('notifies listeners after each successful put', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: 100 });
    const seen: number[] = [];
    const unsubscribe = spool.onPut(() => seen.push(spool.stats().depth));
    await spool.put(Buffer.from('a'), {});
    await spool.put(Buffer.alloc(500), {}); // refused: no notification
    unsubscribe();
    await spool.put(Buffer.from('b'), {});
    expect(seen).toEqual([1]);
  });

  it('proves the directory writable, and fails once it is gone', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    await expect(spool.checkWritable()).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
    await expect(spool.checkWritable()).rejects.toThrow(/ENOENT/);
  });

  it('throws (and stores nothing) when the write itself fails', async () => {
    const spool = await DiskSpool.open({ dir, maxBytes: MiB });
    await rm(dir, { recursive: true, force: true });
    await expect(spool.put(Buffer.from('x'), {})).rejects.toThrow();
    expect(spool.stats()).toEqual({ depth: 0, bytes: 0 });
  });
});
