import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TurnStore } from '@tapes/storage';
import { COMMANDS } from '../src/commands';
import { serveReadApi } from './support/read-api-server';
import { runTapes } from './support/run-cli';
import { tapesInProcess } from './support/run-in-process';
import { BACKENDS, seed, SESSION } from './support/store-fixtures';

describe.each(BACKENDS)('tapes sessions / show / search on $name', (backend) => {
  let url: string;
  let store: TurnStore;
  let dispose: () => Promise<void>;
  let turns: { main: string; sub: string; gemini: string };
  const db = (args: string[]) => tapesInProcess([...args, '--database', url]);

  beforeAll(async () => {
    ({ url, store, dispose } = await backend.open());
    turns = await seed(store);
  });
  afterAll(() => dispose());

  it('as a process: JSON on stdout, exit 2 for a bad option, exit 3 for what does not exist', async () => {
    const run = await runTapes(['sessions', '--json', '--database', url]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { items: unknown[] }).items).toHaveLength(2);
    const bad = await runTapes(['sessions', '--since', 'yesterday', '--database', url]);
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('--since yesterday');
    const missing = await runTapes(['show', 'no-such-thing', '--database', url]);
    expect(missing.code).toBe(3);
  });

  it('lists sessions as JSON in the read API’s shape, newest first', async () => {
    const run = await db(['sessions', '--json']);
    expect(run.code).toBe(0);
    const page = JSON.parse(run.stdout) as { items: Array<{ id: string; turn_count: number; thread_count: number; harness: { id: string } }> };
    expect(page.items.map((s) => s.id)).toEqual([SESSION, expect.stringMatching(/^root:/)]);
    expect(page.items[0]).toMatchObject({ turn_count: 2, thread_count: 2, harness: { id: 'claude' } });
  });

  it('prints a table a person reads, and filters like the read API', async () => {
    const table = await db(['sessions']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/SESSION\s+STARTED \(UTC\)/);
    expect(table.stdout).toContain(SESSION);
    expect(table.stdout).toContain('2026-11-30 10:00');
    const filtered = await db(['sessions', '--harness', 'claude', '--since', '2026-11-30', '--json']);
    expect((JSON.parse(filtered.stdout) as { items: Array<{ id: string }> }).items.map((s) => s.id)).toEqual([SESSION]);
    const none = await db(['sessions', '--harness', 'codex']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no sessions match');
  });

  it('refuses a bad filter with exit 2, naming the option', async () => {
    const run = await db(['sessions', '--since', 'yesterday']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--since yesterday');
    expect(run.stdout).toBe('');
    expect((await db(['sessions', '--limit', '0'])).code).toBe(2);
    expect((await db(['sessions', '--sort', 'price'])).code).toBe(2);
    expect((await db(['sessions', '--frobnicate'])).code).toBe(2);
  });

  it('shows a session as a transcript: both threads, the tool call, each message once', async () => {
    const run = await db(['show', SESSION]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`session ${SESSION}`);
    expect(run.stdout).toContain('main thread');
    expect(run.stdout).toContain('thread agent-7');
    expect(run.stdout).toMatch(/⚙ get_weather/);
    expect(run.stdout).toContain(`turn ${turns.main}`);
    expect(run.stdout).not.toContain("\u001b["); // NO_COLOR, and not a terminal
    const json = JSON.parse((await db(['show', SESSION, '--json'])).stdout) as { session: { id: string }; transcript: Array<{ turn_id: string; messages: Array<{ hash: string }> }> };
    expect(json.session.id).toBe(SESSION);
    expect(json.transcript.map((t) => t.turn_id)).toEqual([turns.main, turns.sub]);
    const hashes = json.transcript.flatMap((t) => t.messages.map((m) => m.hash));
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('shows one turn by its id or its request id', async () => {
    const byId = await db(['show', turns.sub, '--json']);
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ id: turns.sub, request_id: 'req-sub-1', thread_id: 'agent-7' });
    const byRequest = await db(['show', 'req-sub-1']);
    expect(byRequest.stdout).toContain(`turn ${turns.sub}`);
    expect(byRequest.stdout).toContain('outcome complete');
  });

  it('answers exit 3 for a session or turn that does not exist', async () => {
    const run = await db(['show', 'no-such-thing']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no session or turn no-such-thing');
  });

  it('searches turn text', async () => {
    const run = await db(['search', 'weather', '--json']);
    expect(run.code).toBe(0);
    const page = JSON.parse(run.stdout) as { items: Array<{ turn_id: string; session_id: string }> };
    expect(page.items.map((h) => h.turn_id)).toContain(turns.sub);
    const human = await db(['search', 'weather']);
    expect(human.stdout).toContain(`turn ${turns.sub}`);
    expect(human.stdout).toMatch(/\[weather\]/i);
  });

  it('reads the same from a running read API (--url) as from the store', async () => {
    const server = await serveReadApi(store);
    try {
      const remote = await tapesInProcess(['sessions', '--json', '--url', server.url]);
      const local = await db(['sessions', '--json']);
      expect(remote.code).toBe(0);
      expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
      const shown = await tapesInProcess(['show', SESSION, '--json'], { env: { TAPES_URL: server.url } });
      expect(JSON.parse(shown.stdout)).toEqual(JSON.parse((await db(['show', SESSION, '--json'])).stdout));
      expect((await tapesInProcess(['show', 'nope', '--url', server.url])).code).toBe(3);
    } finally {
      await server.close();
    }
  });
});

describe('tapes over HTTP', () => {
  it('sends TAPES_READ_TOKEN as a bearer, and exits 5 when the server refuses it', async () => {
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok = req.headers.authorization === 'Bearer right-token';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { items: [] } : { error: { code: 'unauthorized', message: 'the bearer token is not valid' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const refused = await runTapes(['sessions', '--url', url], { env: { TAPES_READ_TOKEN: 'wrong' } });
      expect(refused.code).toBe(5);
      expect(refused.stderr).toContain('the bearer token is not valid');
      const allowed = await runTapes(['sessions', '--json', '--url', url], { env: { TAPES_READ_TOKEN: 'right-token' } });
      expect(allowed.code).toBe(0);
      expect(seen).toEqual(['Bearer wrong', 'Bearer right-token']);
    } finally {
      server.close();
    }
  });

  it('exits 4 when nothing listens at --url', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const run = await runTapes(['sessions', '--url', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`cannot reach http://127.0.0.1:${port}/_tapes/v1`);
  });
});

describe('tapes itself', () => {
  it('answers --help for every command in COMMANDS with exit 0, and exit 2 for an unknown command or a missing argument', async () => {
    const top = await runTapes(['--help']);
    expect(top.code).toBe(0);
    for (const { name } of COMMANDS) {
      expect(top.stdout).toContain(name);
      const help = await tapesInProcess([name, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: tapes ${name}`);
    }
    const unknown = await runTapes(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await runTapes(['show']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'id'");
  });
});
