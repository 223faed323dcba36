import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Journal, JournalFullError } from './journal';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tapes-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const payload = (n: number, size = 100) => Buffer.alloc(size, n % 251);
const segments = () => readdirSync(dir).filter((f) => f.endsWith('.journal')).sort();

describe('Journal', () => {
  it('keeps what was appended until it is acknowledged, across a reopen, oldest first', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 20 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await journal.append(payload(i), { requestId: `r${i}` })).id);
    journal.ack(ids[1]!);
    journal.ack(ids[3]!);
    expect((await journal.read(ids[2]!)).equals(payload(2))).toBe(true);
    await journal.close();

    const again = await Journal.open({ dir, maxBytes: 1 << 20 });
    expect(again.recovery).toEqual({ recovered: 3, damagedSegments: 0, interrupted: [] });
    expect(again.entries().map((e) => [e.id, e.meta['requestId']])).toEqual([
      [ids[0], 'r0'],
      [ids[2], 'r2'],
      [ids[4], 'r4'],
    ]);
    for (const i of [0, 2, 4]) expect((await again.read(ids[i]!)).equals(payload(i))).toBe(true);
    // New ids continue after the recovered ones: an id is never reused.
    expect((await again.append(payload(9))).id).toBeGreaterThan(ids[4]!);
    await again.close();
  });

  it('makes many concurrent appends durable together (group commit)', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 24 });
    const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(payload(i, 2048))));
    await Promise.all(receipts.map((r) => r.durable));
    expect(new Set(receipts.map((r) => r.id)).size).toBe(200);
    expect(journal.stats().depth).toBe(200);
    await journal.close();
  });

  it('recovers everything before a torn last record and says the segment was damaged', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 20 });
    for (let i = 0; i < 3; i++) await journal.append(payload(i));
    await journal.close();
    const [segment] = segments();
    const file = path.join(dir, segment!);
    truncateSync(file, statSync(file).size - 10); // the last record loses its tail, as a power cut can leave it
    appendFileSync(file, Buffer.from('garbage'));
    const again = await Journal.open({ dir, maxBytes: 1 << 20 });
    expect(again.recovery).toEqual({ recovered: 2, damagedSegments: 1, interrupted: [] });
    expect(again.entries()).toHaveLength(2);
    await again.close();
  });

  it('never recovers a record whose bytes were altered (CRC)', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 20 });
    await journal.append(Buffer.from('hello world'));
    await journal.close();
    const file = path.join(dir, segments()[0]!);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const again = await Journal.open({ dir, maxBytes: 1 << 20 });
    expect(again.recovery.recovered).toBe(0);
    await again.close();
  });

  it('refuses an append past maxBytes and takes it again once acknowledged items free the room', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1000 });
    const first = await journal.append(payload(1, 600));
    await expect(journal.append(payload(2, 600))).rejects.toBeInstanceOf(JournalFullError);
    journal.ack(first.id);
    await expect(journal.append(payload(3, 600))).resolves.toMatchObject({ id: expect.any(Number) });
    await journal.close();
  });

  it('deletes sealed segments, oldest first, once nothing in them waits', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 22, segmentBytes: 1024 });
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await journal.append(payload(i, 400))).id);
    expect(segments().length).toBeGreaterThan(5);
    for (const id of ids.slice(0, 19)) journal.ack(id);
    await journal.append(payload(99, 400)); // rotation and acknowledgements settle behind a later write
    await journal.close();
    const again = await Journal.open({ dir, maxBytes: 1 << 22, segmentBytes: 1024 });
    expect(again.entries().map((e) => e.id)).toEqual([ids[19], ids[19]! + 1]);
    expect(segments().length).toBeLessThanOrEqual(4);
    await again.close();
  });

  it('reports an exchange marked in flight and never settled once, at the next open (#12)', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 20 });
    const settledByItem = journal.markInFlight({ requestId: 'by-item' });
    const settledByAck = journal.markInFlight({ requestId: 'by-ack' });
    const cut = journal.markInFlight({ requestId: 'cut', provider: 'anthropic' });
    await Promise.all([settledByItem.written, settledByAck.written, cut.written]);
    const item = await journal.append(payload(1), { requestId: 'by-item' }, settledByItem.id);
    journal.ack(settledByAck.id);
    // Acknowledging the item later must not revive its mark.
    journal.ack(item.id);
    await journal.append(payload(2)); // the acknowledgements land behind a later write
    // No close: the process dies with `cut` still in flight.
    const again = await Journal.open({ dir, maxBytes: 1 << 20 });
    expect(again.recovery.interrupted).toEqual([{ requestId: 'cut', provider: 'anthropic' }]);
    expect(again.entries()).toHaveLength(1);
    await again.close();
    const third = await Journal.open({ dir, maxBytes: 1 << 20 });
    expect(third.recovery.interrupted).toEqual([]);
    await third.close();
    await journal.close();
  });

  it('keeps a segment holding an unsettled mark, and deletes it once the mark is settled', async () => {
    const journal = await Journal.open({ dir, maxBytes: 1 << 22, segmentBytes: 1024 });
    const mark = journal.markInFlight({ requestId: 'long stream' });
    await mark.written;
    const first = segments()[0];
    for (let i = 0; i < 10; i++) journal.ack((await journal.append(payload(i, 400))).id);
    await journal.append(payload(99, 400));
    expect(segments()).toContain(first);
    journal.ack(mark.id);
    await journal.append(payload(100, 400));
    await journal.close();
    expect(segments()).not.toContain(first);
  });

  it('writes files only its owner can read, in a directory only its owner can enter (#13)', async () => {
    const journal = await Journal.open({ dir: path.join(dir, 'j'), maxBytes: 1 << 20 });
    await journal.append(payload(1));
    await journal.close();
    expect(statSync(path.join(dir, 'j')).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(path.join(dir, 'j'))) expect(statSync(path.join(dir, 'j', f)).mode & 0o777).toBe(0o600);
  });

  it('fails to open where no directory can be made, with the path in the error', async () => {
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(Journal.open({ dir: path.join(dir, 'file', 'journal'), maxBytes: 1 << 20 })).rejects.toThrow(/file\/journal|ENOTDIR|EEXIST/);
  });

  it('loses nothing whose append had resolved when the process is killed (kill -9)', async () => {
    // A child appends as fast as it can and prints each id the moment its append resolved; it is
    // SIGKILLed mid-stream. Every printed id must be recovered.
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '../../../test/journal-writer-child.ts'), dir], {
      cwd: path.join(__dirname, '../../../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const confirmed: number[] = [];
    let carry = '';
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const lines = (carry + chunk.toString('utf8')).split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) if (line) confirmed.push(Number(line));
        if (confirmed.length >= 300 && !child.killed) child.kill('SIGKILL');
      });
      child.once('exit', () => resolve());
    });
    expect(confirmed.length).toBeGreaterThanOrEqual(300);
    const journal = await Journal.open({ dir, maxBytes: 1 << 28 });
    const recovered = new Set(journal.entries().map((e) => e.id));
    expect(confirmed.filter((id) => !recovered.has(id))).toEqual([]);
    await journal.close();
  });
});
