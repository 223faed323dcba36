import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TurnRecord } from '@tapes/capture';
import type { TurnStore } from '@tapes/storage';
import { runTapes } from './support/run-cli';
import { tapesInProcess } from './support/run-in-process';
import { BACKENDS, CLAUDE, fixture, record, SESSION } from './support/store-fixtures';

/** The turn as a build whose reducer failed on it stored it, before sessions existed: raw bytes only. */
function legacy(r: TurnRecord): TurnRecord {
  const { session: _s, usage: _u, cost: _c, model: _m, nodeText: _t, ...rest } = r;
  return { ...rest, nodes: [], outcome: 'unreduced', diagnostics: [{ code: 'reducer_error', detail: 'no reducer for anthropic.messages' }] };
}

interface Report {
  dry_run: boolean;
  scanned: number;
  changed: number;
  unchanged: number;
  failed: number;
  outcomes: Record<string, number>;
  backfilled: number;
  head_changes: number;
  resumed_after?: string;
  turns: Array<{ turn_id: string; before: { sessionId: string | null }; after: { sessionId: string | null; outcome: string } }>;
}

describe.each(BACKENDS)('tapes rederive on $name', (backend) => {
  let url: string;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  const ids: string[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-rederive-'));
  const tapes = (args: string[]) => tapesInProcess(['rederive', ...args, '--database', url, '--data-dir', dataDir]);
  const spawned = (args: string[]) => runTapes(['rederive', ...args, '--database', url, '--data-dir', dataDir]);

  beforeAll(async () => {
    ({ url, store, dispose } = await backend.open());
    const turns = [
      await record(fixture('anthropic_extra/claude_code_turn'), 'req-legacy-1', CLAUDE, '2026-10-01T10:00:00.000Z'),
      await record(fixture('anthropic/messages_tool_use'), 'req-legacy-2', { ...CLAUDE, 'x-claude-code-agent-id': 'agent-7' }, '2026-10-01T10:01:00.000Z'),
      await record(fixture('anthropic/messages_thinking'), 'req-legacy-3', CLAUDE, '2026-10-01T10:02:00.000Z'),
    ];
    for (const turn of turns) ids.push((await store.storeTurn(legacy(turn))).turnId);
  });
  afterAll(() => dispose());

  it('reports what a dry run would change and writes nothing', async () => {
    const run = await spawned(['--dry-run', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ dry_run: true, scanned: 3, changed: 3, unchanged: 0, failed: 0, outcomes: { 'unreduced → complete': 3 }, backfilled: 3, head_changes: 3 });
    expect(report.turns.map((t) => t.after.sessionId)).toEqual([SESSION, SESSION, SESSION]);
    expect(await store.getSession(SESSION)).toBeNull();
    expect((await store.getTurn(ids[0]!))?.outcome).toBe('unreduced');
  });

  it('re-derives the turns from their raw bytes and backfills their session; a second run changes nothing', async () => {
    const run = await tapes([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 turns re-derived');
    expect(run.stdout).toContain('outcome unreduced → complete: 3');
    expect(run.stdout).toContain('sessions backfilled (turns stored before sessions existed): 3');
    expect(await store.getSession(SESSION)).toMatchObject({ turnCount: 3, threadCount: 2, outcomes: { complete: 3, partial: 0, unreduced: 0 }, harnessId: 'claude' });
    const shown = await tapesInProcess(['show', SESSION, '--json', '--database', url]);
    expect((JSON.parse(shown.stdout) as { transcript: unknown[] }).transcript).toHaveLength(3);
    expect(existsSync(path.join(dataDir, 'rederive.checkpoint.json'))).toBe(false);

    const again = JSON.parse((await tapes(['--json'])).stdout) as Report;
    expect(again).toMatchObject({ scanned: 3, changed: 0, unchanged: 3 });
  });

  it('resumes after the checkpoint an interrupted run left, unless --restart', async () => {
    const store_ = url.startsWith('postgres') ? `PostgreSQL ${new URL(url).toString()}` : `SQLite ${url.replace(/^file:/, '')}`;
    const checkpoint = { store: store_, since: null, after: ids[0], done: 1, startedAt: new Date().toISOString() };
    writeFileSync(path.join(dataDir, 'rederive.checkpoint.json'), JSON.stringify(checkpoint));
    const resumed = JSON.parse((await tapes(['--json'])).stdout) as Report;
    expect(resumed).toMatchObject({ scanned: 2, resumed_after: ids[0] });
    expect(existsSync(path.join(dataDir, 'rederive.checkpoint.json'))).toBe(false);

    writeFileSync(path.join(dataDir, 'rederive.checkpoint.json'), JSON.stringify(checkpoint));
    const restarted = JSON.parse((await tapes(['--restart', '--json'])).stdout) as Report;
    expect(restarted.scanned).toBe(3);
    expect(restarted.resumed_after).toBeUndefined();
  });

  it('takes --since, and refuses --url (it works on the store itself) with exit 2', async () => {
    const later = JSON.parse((await tapes(['--since', '2026-10-01T10:01:00Z', '--json'])).stdout) as Report;
    expect(later.scanned).toBe(2);
    const remote = await runTapes(['rederive', '--url', 'http://127.0.0.1:9']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('works on the store itself');
  });
});

describe.each(BACKENDS)('tapes rederive interrupted on $name', (backend) => {
  it('stops at Ctrl-C with exit 130 and a checkpoint; the next run finishes the rest', async () => {
    const { url, store, dispose } = await backend.open();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-rederive-'));
    try {
      const base = await record(fixture('anthropic/messages_tool_use'), 'req-bulk', CLAUDE, '2026-10-02T10:00:00.000Z');
      for (let i = 0; i < 200; i++) await store.storeTurn(legacy({ ...base, requestId: `req-bulk-${i}` }));
      const signals = new EventEmitter();
      const checkpoint = path.join(dataDir, 'rederive.checkpoint.json');
      const watcher = setInterval(() => {
        if (existsSync(checkpoint)) {
          clearInterval(watcher);
          signals.emit('SIGINT');
        }
      }, 5);
      const first = await tapesInProcess(['rederive', '--json', '--database', url, '--data-dir', dataDir], { signals });
      clearInterval(watcher);
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(/interrupted after \d+ of 200 turns/);
      const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { after: string; done: number };
      expect(saved.done).toBeGreaterThanOrEqual(50);
      expect(saved.done).toBeLessThan(200);

      const second = await tapesInProcess(['rederive', '--json', '--database', url, '--data-dir', dataDir]);
      expect(second.code).toBe(0);
      const report = JSON.parse(second.stdout) as Report;
      expect(report.resumed_after).toBe(saved.after);
      expect(report.scanned).toBe(200 - saved.done);
      expect(report.changed).toBe(200 - saved.done);
      expect(existsSync(checkpoint)).toBe(false);
      expect(await store.getSession(SESSION)).toMatchObject({ turnCount: 200, outcomes: { complete: 200, partial: 0, unreduced: 0 } });
    } finally {
      await dispose();
    }
  });
});
