import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '../src';
import { turnRecord, chatNodes, USAGE } from './support';

it('dumps', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fmt-'));
  const store = await openStorage({ dataDir: dir });
  const rec = turnRecord(chatNodes(3), {} as never);
  const r = await store.storeTurn({ ...rec, startedAt: new Date(), endedAt: new Date(), requestBody: Buffer.from('{"a":1}'), costUsd: 0.5 } as never);
  await store.close();
  const db = new Database(path.join(dir, 'tapes.db'));
  for (const t of ['turns', 'nodes', 'turn_text', 'sessions']) {
    const rows = db.prepare(`SELECT * FROM ${t}`).all() as Record<string, unknown>[];
    console.log(t, JSON.stringify(rows.slice(-1).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, [typeof v === 'object' && v ? 'buf' : typeof v, String(v).slice(0, 40)]])))));
    const types = db.prepare(`SELECT ${Object.keys(rows[0] ?? { rowid: 1 }).map((c) => `typeof(${c}) AS ${c}`).join(',')} FROM ${t}`).all().slice(-1);
    console.log(t, 'types', JSON.stringify(types));
  }
  console.log(r, USAGE !== undefined);
});
