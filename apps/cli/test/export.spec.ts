import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonlLineSchema, otlpIds, type Har } from '@tapes/export';
import type { TurnStore } from '@tapes/storage';
import { OtlpReceiver, parseOtlpJson } from '@tapes/testing';
import { serveReadApi } from './support/read-api-server';
import { runTapes } from './support/run-cli';
import { BACKENDS, seed, SESSION } from './support/store-fixtures';

const lines = (text: string) => text.trimEnd().split('\n').map((l) => jsonlLineSchema.parse(JSON.parse(l)));

describe.each(BACKENDS)('tapes export (#16) on $name', (backend) => {
  let url: string;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  let receiver: OtlpReceiver;
  const work = mkdtempSync(path.join(os.tmpdir(), 'tapes-export-'));
  const db = (args: string[]) => runTapes([...args, '--database', url], { cwd: work });

  beforeAll(async () => {
    ({ url, store, dispose } = await backend.open());
    await seed(store);
    receiver = await OtlpReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await dispose();
  });

  it('writes JSONL to stdout: one valid line per turn of the session, all threads, oldest first', async () => {
    const run = await db(['export', SESSION, '--format', 'jsonl']);
    expect(run.code).toBe(0);
    const parsed = lines(run.stdout);
    expect(parsed.map((l) => [l.request_id, l.thread_id])).toEqual([
      ['req-main-1', ''],
      ['req-sub-1', 'agent-7'],
    ]);
    expect(parsed[0]).toMatchObject({ session_id: SESSION, harness: { id: 'claude' }, outcome: 'complete' });
  });

  it('writes a HAR file with --out, replaced whole, and says where (JSON summary with --json)', async () => {
    const run = await db(['export', SESSION, '--format', 'har', '--out', 'session.har', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ format: 'har', sessions: [SESSION], turns: 2, out: path.join(work, 'session.har') });
    const har = JSON.parse(readFileSync(path.join(work, 'session.har'), 'utf8')) as Har;
    expect(har.log.entries.map((e) => e._tapes.request_id)).toEqual(['req-main-1', 'req-sub-1']);
    expect(readdirSync(work).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('sends OTLP spans to an OTLP/HTTP endpoint, which receives the session as one trace', async () => {
    const before = receiver.spans.length;
    const run = await db(['export', SESSION, '--format', 'otlp', '--endpoint', receiver.url, '--header', 'x-api-key=collector-key']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/sent \d+ spans of 1 session to/);
    const spans = receiver.spans.slice(before);
    expect(receiver.exports.at(-1)).toMatchObject({ contentType: 'application/x-protobuf' });
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([otlpIds.trace(SESSION)]));
    const chats = spans.filter((s) => s.name.startsWith('chat '));
    expect(chats.map((s) => s.attributes['tapes.request_id']).sort()).toEqual(['req-main-1', 'req-sub-1']);
    expect(chats.find((s) => s.attributes['tapes.request_id'] === 'req-main-1')!.parentSpanId).toBe(otlpIds.session(SESSION));
  });

  it('writes OTLP/JSON to stdout without --endpoint', async () => {
    const run = await db(['export', SESSION, '--format', 'otlp']);
    expect(run.code).toBe(0);
    expect(parseOtlpJson(run.stdout).filter((s) => s.name.startsWith('chat '))).toHaveLength(2);
  });

  it('exports the same JSONL over a running read API (--url) as from the store', async () => {
    const api = await serveReadApi(store);
    try {
      const remote = await runTapes(['export', SESSION, '--format', 'jsonl', '--bodies', '--url', api.url]);
      const local = await db(['export', SESSION, '--format', 'jsonl', '--bodies']);
      expect(remote.code).toBe(0);
      expect(remote.stdout).toBe(local.stdout);
      expect(lines(remote.stdout)[0]!.raw!.response_body_base64).toBeTruthy();
    } finally {
      await api.close();
    }
  });
});

// Refusals do not depend on the backend: SQLite only (each run spawns the CLI).
describe('tapes export (#16) refusing', () => {
  let url: string;
  let dispose: () => Promise<void>;
  const work = mkdtempSync(path.join(os.tmpdir(), 'tapes-export-refused-'));
  const db = (args: string[]) => runTapes([...args, '--database', url], { cwd: work });

  beforeAll(async () => {
    let store: TurnStore;
    ({ url, store, dispose } = await BACKENDS[0]!.open());
    await seed(store);
  });
  afterAll(() => dispose());

  it.each([
    { name: 'an unknown session', args: ['export', 'no-such-session', '--format', 'jsonl'], code: 3, stderr: /no-such-session/ },
    { name: 'no --format', args: ['export', SESSION], code: 2, stderr: /--format/ },
    { name: 'an unknown format', args: ['export', SESSION, '--format', 'csv'], code: 2, stderr: /--format csv/ },
    { name: '--endpoint with jsonl', args: ['export', SESSION, '--format', 'jsonl', '--endpoint', 'http://127.0.0.1:1/v1/traces'], code: 2, stderr: /--format otlp/ },
    { name: 'an endpoint nobody listens on', args: ['export', SESSION, '--format', 'otlp', '--endpoint', 'http://127.0.0.1:1/v1/traces'], code: 4, stderr: /127\.0\.0\.1:1/ },
  ])('exits $code for $name, saying why', async ({ args, code, stderr }) => {
    const run = await db(args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(stderr);
    expect(run.stdout).toBe('');
  });

  it('leaves no file behind when the export fails', async () => {
    const run = await db(['export', SESSION, 'no-such-session', '--format', 'har', '--out', 'broken.har']);
    expect(run.code).toBe(3);
    expect(existsSync(path.join(work, 'broken.har'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.startsWith('broken'))).toEqual([]);
  });
});
