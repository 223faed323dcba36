import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANTHROPIC_FIXTURES, MockUpstream, readFixture, send } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, storedRequestIds } from './support/stored-turns';

/**
 * Health tells the truth and start-up never blocks traffic (#12). Real file systems: a data
 * directory that cannot be made (a regular file stands where its parent must be), and a full
 * disk (a 3 MiB tmpfs — mounting one needs root; without it that case says so and is skipped).
 */
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const responseBody = readFixture(fixture.responseFile);
const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };
const turn = (marker: string) => JSON.stringify({ ...fixture.request, messages: [{ role: 'user', content: `${marker} hello` }] });

async function health(proxy: RunningProxy, which = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await send(`${proxy.url}/_tapes/health${which}`);
  return { status: res.status, body: JSON.parse(res.body.toString('utf8')) as Record<string, unknown> };
}

async function agentTurn(proxy: RunningProxy, marker: string): Promise<void> {
  const res = await send(`${proxy.url}/v1/messages`, { method: 'POST', headers, body: turn(marker) });
  expect(res.status).toBe(200);
  expect(res.body.equals(responseBody)).toBe(true);
}

describe('capture health (#12)', () => {
  let upstream: MockUpstream;
  let root: string;

  beforeAll(async () => {
    upstream = await MockUpstream.start((_req, res) => res.writeHead(200, { 'content-type': fixture.contentType }).end(responseBody));
    root = await mkdtemp(path.join(os.tmpdir(), 'tapes-health-'));
  });

  afterAll(async () => {
    await upstream.close();
    await rm(root, { recursive: true, force: true });
  });

  it('starts and forwards with a data directory that cannot be made, reports capture down naming the path, and recovers on its own once it can be', async () => {
    const blocker = path.join(root, 'blocker');
    await writeFile(blocker, 'a file where the data directory\'s parent must be');
    const dataDir = path.join(blocker, 'data');
    const proxy = await startProxy({ upstream: upstream.url, databaseUrl: '', dataDir });
    try {
      await agentTurn(proxy, '[while down]');
      const down = await health(proxy);
      expect(down.status).toBe(503);
      expect(JSON.stringify(down.body)).toContain(dataDir);
      expect(down.body).toMatchObject({ error: { capture: { status: 'down', journal: 'unavailable', storage: 'down' } } });
      expect((await health(proxy, '/storage')).status).toBe(503);
      expect(metricValue((await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8'), 'tapes_proxy_journal_up')).toBe(0);

      await rm(blocker);
      await mkdir(blocker);
      // The journal is tried again every 5 s, the store with a backoff of at most 10 s.
      await eventually(async () => ((await health(proxy)).status === 200 && (await health(proxy, '/storage')).status === 200 ? true : undefined), 'capture to come back by itself');
      await agentTurn(proxy, '[after]');
      const database = { sqliteFile: path.join(dataDir, 'tapes.db') };
      // The turn sent while nothing could be written waited in memory and is stored too.
      await eventually(async () => ((await storedRequestIds(database)).length === 2 ? true : undefined), 'both turns stored');
      expect(metricValue((await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8'), 'tapes_proxy_turns_dropped_total')).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  const tmpfs = mountTmpfs(path.join(os.tmpdir(), `tapes-full-${process.pid}`));
  (tmpfs ? it : it.skip)('a full disk: readiness and storage health go red with the reason, what cannot be kept is counted, and all is well once space is freed', async () => {
    const dir = tmpfs!.dir;
    const dataDir = path.join(dir, 'data');
    // Small enough that the memory kept while nothing can be written runs out within a few turns.
    const proxy = await startProxy({ upstream: upstream.url, databaseUrl: '', dataDir, env: { TAPES_CAPTURE_QUEUE_BYTES: String(responseBody.length * 3) } });
    try {
      await agentTurn(proxy, '[before]');
      const database = { sqliteFile: path.join(dataDir, 'tapes.db') };
      await eventually(async () => ((await storedRequestIds(database)).length === 1 ? true : undefined), 'the first turn stored');
      // Fill the disk.
      const filler = path.join(dir, 'filler');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        // dd stops with ENOSPC: the disk is full, as intended
      }
      for (let i = 0; i < 8; i++) await agentTurn(proxy, `[full ${i}]`);
      const red = await eventually(async () => {
        const h = await health(proxy);
        return h.status === 503 ? h : undefined;
      }, 'readiness to go red');
      expect(JSON.stringify(red.body)).toMatch(/ENOSPC|no space|full/i);
      const storageHealth = await eventually(async () => {
        const h = await health(proxy, '/storage');
        return h.status === 503 ? h : undefined;
      }, 'storage health to go red');
      expect(JSON.stringify(storageHealth.body)).toMatch(/full|ENOSPC|no space|SQLITE/i);
      const metrics = (await send(`${proxy.url}/_tapes/metrics`)).body.toString('utf8');
      // Memory holds three turns' bytes: the rest were dropped, and counted.
      const dropped = metricValue(metrics, 'tapes_proxy_turns_dropped_total');
      expect(dropped).toBeGreaterThan(0);

      await rm(filler);
      await eventually(async () => ((await health(proxy)).status === 200 && (await health(proxy, '/storage')).status === 200 ? true : undefined), 'health green once space is back');
      await agentTurn(proxy, '[after]');
      // Every turn sent is stored or counted: 1 before + 8 during + 1 after.
      await eventually(async () => ((await storedRequestIds(database)).length + dropped === 10 ? true : undefined), 'every turn stored or counted');
    } finally {
      await proxy.close();
    }
  });

  afterAll(() => tmpfs?.unmount());
});

/** A 3 MiB tmpfs at `dir` (root only); undefined, with the reason printed, where mounting is not possible. */
function mountTmpfs(dir: string): { dir: string; unmount(): void } | undefined {
  if (process.getuid?.() !== 0) {
    console.warn(`skipping the full-disk case: mounting a tmpfs needs root (uid ${process.getuid?.()})`);
    return undefined;
  }
  try {
    if (!existsSync(dir)) execFileSync('mkdir', ['-p', dir]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch (err) {
    console.warn(`skipping the full-disk case: cannot mount a tmpfs (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir]);
      execFileSync('rmdir', [dir]);
    },
  };
}
