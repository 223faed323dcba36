import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '../src';
import { chatNodes, turnRecord } from './support';

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

/** #13: the database and its companions are the owner's alone, whatever the umask. */
describe('SQLite files are private (#13)', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tapes-private-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates the embedded database 0600 (and its -wal and -shm) in a 0700 data directory', async () => {
    const dataDir = path.join(root, 'new', '.tapes');
    const store = await openStorage({ dataDir });
    try {
      await store.storeTurn(turnRecord(chatNodes([['user', 'private?']], 'yes')));
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(path.join(root, 'new'))).toBe(0o700);
      for (const file of ['tapes.db', 'tapes.db-wal', 'tapes.db-shm']) expect([file, modeOf(path.join(dataDir, file))]).toEqual([file, 0o600]);
    } finally {
      await store.close();
    }
  });

  it('narrows a data directory and database an older run left readable by others', async () => {
    const dataDir = path.join(root, '.tapes');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const first = await openStorage({ dataDir });
    await first.storeTurn(turnRecord(chatNodes([['user', 'before']], 'then')));
    await first.close();
    for (const file of ['tapes.db', 'tapes.db-wal', 'tapes.db-shm']) if (fs.existsSync(path.join(dataDir, file))) fs.chmodSync(path.join(dataDir, file), 0o644);
    fs.chmodSync(dataDir, 0o755);

    const again = await openStorage({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of fs.readdirSync(dataDir)) expect([file, modeOf(path.join(dataDir, file))]).toEqual([file, 0o600]);
    } finally {
      await again.close();
    }
  });

  it('makes a database file the user named private without touching the directory it is in', async () => {
    fs.chmodSync(root, 0o755);
    const file = path.join(root, 'mine.db');
    const store = await openStorage({ url: file });
    try {
      await store.storeTurn(turnRecord(chatNodes([['user', 'where?']], 'here')));
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(`${file}-wal`)).toBe(0o600);
      expect(modeOf(root)).toBe(0o755);
    } finally {
      await store.close();
    }
  });
});
