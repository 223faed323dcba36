import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createTestSqlite, testPostgresUrl } from '@tapes/testing';

/** tools/prisma/migrate.mjs, run as CI and developers run it: a separate node process, no build. */
const root = path.resolve(__dirname, '../../..');
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'tools/prisma/migrate.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('tools/prisma/migrate.mjs', () => {
  const db = createTestSqlite();
  afterAll(() => db.cleanup());

  it('reports a new database as behind, deploys it, then reports it up to date', () => {
    const before = cli('status', '--db', db.path);
    expect(before.code).toBe(1);
    expect(before.out).toMatch(/unapplied: \d{14}_init/);
    expect(fs.existsSync(db.path)).toBe(false); // status never creates the database

    const deploy = cli('deploy', '--db', db.url);
    expect(deploy).toMatchObject({ code: 0 });
    expect(deploy.out).toMatch(/^Applied: \d{14}_init/);
    expect(cli('deploy', '--db', db.path).out).toBe('No pending migrations.\n');

    const after = cli('status', '--db', db.path, '--json');
    expect(after.code).toBe(0);
    expect(JSON.parse(after.out)).toMatchObject({ upToDate: true, prisma: { history: null, failedMigrationNames: [] } });
  });

  it('checks both schemas against their migrations (the CI drift check)', () => {
    const check = cli('check', '--db', testPostgresUrl());
    expect(check.err).toBe('');
    expect(check).toMatchObject({ code: 0 });
    expect(check.out).toContain('sqlite: migrations match the schema.');
    expect(check.out).toContain('postgresql: migrations match the schema.');
  });

  it('prints an empty diff, and usage errors exit 64', () => {
    expect(cli('diff', '--schema', 'sqlite').out).toBe('-- This is an empty migration.\n');
    expect(cli('frobnicate').code).toBe(64);
    expect(cli('deploy').err).toContain('--db is required');
  });
});
