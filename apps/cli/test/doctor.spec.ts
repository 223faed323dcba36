import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestPostgres, createTestSqlite } from '@tapes/testing';
import { openStorage } from '@tapes/storage';
import { fakeAgentBin } from './support/fake-agents';
import { runTapes } from './support/run-cli';

interface Doctor {
  ok: boolean;
  checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
}

const doctor = async (env: Record<string, string>) => {
  const run = await runTapes(['doctor', '--json'], { env });
  return { code: run.code, report: JSON.parse(run.stdout) as Doctor, stderr: run.stderr };
};
const check = (report: Doctor, name: string) => report.checks.find((c) => c.name === name);

/** Forgets the newest applied migration, as a store last migrated by an older tapes looks. */
const BACKENDS = [
  {
    name: 'sqlite',
    async create() {
      const db = createTestSqlite();
      return { url: db.path, drop: async () => db.cleanup(), forgetLast: async () => void new Database(db.path).prepare('DELETE FROM _prisma_migrations WHERE migration_name = (SELECT MAX(migration_name) FROM _prisma_migrations)').run() };
    },
  },
  {
    name: 'postgresql',
    async create() {
      const db = await createTestPostgres();
      const forgetLast = async () => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        await client.query('DELETE FROM _prisma_migrations WHERE migration_name = (SELECT MAX(migration_name) FROM _prisma_migrations)');
        await client.end();
      };
      return { url: db.url, drop: db.drop, forgetLast };
    },
  },
];

describe.each(BACKENDS)('tapes doctor on $name', (backend) => {
  let db: Awaited<ReturnType<(typeof BACKENDS)[number]['create']>>;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-doctor-'));

  beforeAll(async () => {
    db = await backend.create();
    await (await openStorage({ url: db.url })).close();
    chmodSync(dataDir, 0o700);
  });
  afterAll(() => db.drop());

  it('passes a healthy set-up with exit 0', async () => {
    const { code, report } = await doctor({ TAPES_DATA_DIR: dataDir, DATABASE_URL: db.url });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(check(report, 'store')).toMatchObject({ status: 'ok', detail: expect.stringContaining('0 turns') });
    expect(check(report, 'migrations')).toMatchObject({ status: 'ok' });
    expect(check(report, 'data dir')).toMatchObject({ status: 'ok' });
  });

  it('fails on pending migrations and says how to apply them', async () => {
    await db.forgetLast();
    const { code, report } = await doctor({ TAPES_DATA_DIR: dataDir, DATABASE_URL: db.url });
    expect(code).toBe(1);
    expect(check(report, 'migrations')).toMatchObject({ status: 'fail', detail: expect.stringContaining('1 pending'), fix: expect.stringContaining('migrate.mjs deploy') });
    const human = await runTapes(['doctor'], { env: { TAPES_DATA_DIR: dataDir, DATABASE_URL: db.url } });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/✗ migrations: 1 pending/);
    expect(human.stdout).toContain('fix: node tools/prisma/migrate.mjs deploy');
  });
});

describe('tapes doctor', () => {
  it('fails when the store cannot be reached, and warns about a data dir others can read', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-doctor-'));
    chmodSync(dataDir, 0o755);
    const { code, report } = await doctor({ TAPES_DATA_DIR: dataDir, DATABASE_URL: 'postgresql://tapes:secret@127.0.0.1:59998/nothing' });
    expect(code).toBe(1);
    expect(check(report, 'store')).toMatchObject({ status: 'fail' });
    expect(JSON.stringify(report)).not.toContain('secret');
    expect(check(report, 'data dir')).toMatchObject({ status: 'warn', fix: `chmod 700 ${dataDir}` });
  });

  it('fails on an agent base URL where nothing answers', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-doctor-'));
    const { code, report } = await doctor({ TAPES_DATA_DIR: dataDir, ANTHROPIC_BASE_URL: 'http://127.0.0.1:59997', OPENAI_BASE_URL: 'https://api.openai.com/v1' });
    expect(code).toBe(1);
    expect(check(report, 'env ANTHROPIC_BASE_URL')).toMatchObject({ status: 'fail', fix: expect.stringContaining('tapes start') });
    expect(check(report, 'env OPENAI_BASE_URL')).toMatchObject({ status: 'info', detail: expect.stringContaining('not captured') });
  });

  it('finds the proxy tapes start left running, and an agent env pointed at it; a stale record after it is gone', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-doctor-'));
    const agents = fakeAgentBin();
    const env = { TAPES_DATA_DIR: dataDir, PATH: `${agents.dir}${path.delimiter}${process.env['PATH'] ?? ''}` };
    expect((await runTapes(['start', 'claude'], { env })).code).toBe(0);
    const { pid, url } = JSON.parse(readFileSync(path.join(dataDir, 'proxy.json'), 'utf8')) as { pid: number; url: string };
    try {
      const { code, report } = await doctor({ ...env, ANTHROPIC_BASE_URL: `${url}/agents/claude/providers/anthropic` });
      expect(code).toBe(0);
      expect(check(report, 'proxy')).toMatchObject({ status: 'ok', detail: expect.stringContaining(`pid ${pid}`) });
      expect(check(report, 'env ANTHROPIC_BASE_URL')).toMatchObject({ status: 'ok', detail: expect.stringContaining('this data dir') });
      expect(check(report, 'agents')).toMatchObject({ status: 'ok', detail: expect.stringContaining('claude') });
    } finally {
      process.kill(pid, 'SIGTERM');
    }
    for (let i = 0; i < 600; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = await doctor(env);
    expect(check(after.report, 'proxy')).toMatchObject({ status: 'info', detail: expect.stringContaining('none running') });
  });
});
