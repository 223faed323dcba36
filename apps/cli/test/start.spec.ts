import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '@tapes/storage';
import { MockUpstream, readFixture, createTestPostgres } from '@tapes/testing';
import { fakeAgentBin } from './support/fake-agents';
import { runTapes, type CliRun } from './support/run-cli';
import { fixture } from './support/store-fixtures';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const turnFixture = fixture('anthropic/messages_stream');

interface ProxyFile {
  pid: number;
  url: string;
}

/** One data dir (so one proxy, started by the first `tapes start` and reused), one mock Anthropic upstream. */
function startHarness(database?: () => Promise<{ url: string; drop: () => Promise<void> }>) {
  const h = {
    dataDir: '',
    databaseUrl: undefined as string | undefined,
    upstream: undefined as unknown as MockUpstream,
    agents: fakeAgentBin(),
    work: mkdtempSync(path.join(os.tmpdir(), 'tapes-start-cwd-')),
    drop: async () => undefined as void,
    env(extra: Record<string, string> = {}): Record<string, string> {
      return {
        PATH: `${h.agents.dir}${path.delimiter}${process.env['PATH'] ?? ''}`,
        TAPES_DATA_DIR: h.dataDir,
        ...(h.databaseUrl ? { DATABASE_URL: h.databaseUrl } : {}),
        TAPES_UPSTREAM_ANTHROPIC: h.upstream.url,
        FAKE_AGENT_RECORD: h.agents.record,
        ...extra,
      };
    },
    start(args: string[], extra: Record<string, string> = {}, input = ''): Promise<CliRun> {
      return runTapes(['start', ...args], { env: h.env(extra), input, cwd: h.work });
    },
    proxy(): ProxyFile {
      return JSON.parse(readFileSync(path.join(h.dataDir, 'proxy.json'), 'utf8')) as ProxyFile;
    },
  };
  beforeAll(async () => {
    h.dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-start-data-'));
    h.upstream = await MockUpstream.start((req, res) => {
      if (req.method === 'HEAD') return void res.writeHead(200).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(readFixture(turnFixture.responseFile));
    });
    if (database) {
      const db = await database();
      h.databaseUrl = db.url;
      h.drop = db.drop;
    }
  });
  afterAll(async () => {
    try {
      const { pid } = h.proxy();
      process.kill(pid, 'SIGTERM');
      // The proxy drains and exits; wait so its database connection is gone before the drop.
      for (let i = 0; i < 600; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      // no proxy was started
    }
    await h.upstream?.close();
    await h.drop();
  });
  return h;
}

describe('tapes start with a fake agent', () => {
  const h = startHarness();

  it('runs claude pointed at a proxy it started, with the session envelope; stdin, stdout and the exit code pass through', async () => {
    const run = await h.start(['--name', 'fix the bug', 'claude', '--', '--model', 'opus', '-p', 'hi'], { FAKE_AGENT_EXIT: '7', ANTHROPIC_CUSTOM_HEADERS: 'X-Team: blue' }, 'hello agent');
    expect(run.code).toBe(7);
    expect(run.stdout).toBe('agent stdout: hello agent');
    expect(run.stderr).toContain('agent stderr');
    expect(run.stderr).toContain('starting a proxy');
    const seen = h.agents.read();
    expect(seen.name).toBe('claude');
    expect(seen.argv).toEqual(['--model', 'opus', '-p', 'hi']);
    expect(seen.stdin).toBe('hello agent');
    expect(seen.cwd).toBe(h.work);
    const proxy = h.proxy();
    expect(seen.env['ANTHROPIC_BASE_URL']).toBe(`${proxy.url}/agents/claude/providers/anthropic`);
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const lines = seen.env['ANTHROPIC_CUSTOM_HEADERS']!.split('\n');
    expect(lines[0]).toBe('X-Team: blue');
    expect(lines).toContain('X-Tapes-Harness-Id: claude');
    const session = lines.find((l) => l.startsWith('X-Tapes-Harness-Session-Id: '))!.split(': ')[1]!;
    expect(session).toMatch(UUID);
    expect(lines).toContain(`X-Tapes-Cwd: ${h.work}`);
    expect(lines).toContain('X-Tapes-Session-Name: fix%20the%20bug');
    expect(run.stderr).toContain(`tapes show ${session}`);
    expect(run.stderr).toContain(`${proxy.url}/_tapes/`);
  });

  it('reuses the running proxy, passes arguments without -- too, and a fresh session each time', async () => {
    const before = h.proxy();
    const first = h.agents.read().env['ANTHROPIC_CUSTOM_HEADERS'];
    const run = await h.start(['claude', '--resume', 'x'], {}, '');
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('starting a proxy');
    expect(h.proxy()).toEqual(before);
    const seen = h.agents.read();
    expect(seen.argv).toEqual(['--resume', 'x']);
    expect(seen.env['ANTHROPIC_BASE_URL']).toBe(`${before.url}/agents/claude/providers/anthropic`);
    expect(seen.env['ANTHROPIC_CUSTOM_HEADERS']).not.toBe(first);
  });

  it('points codex, gemini and opencode at the proxy by their own mechanisms', async () => {
    const { url } = h.proxy();
    expect((await h.start(['codex', 'exec', 'do it'], { OPENAI_API_KEY: 'sk-test' })).code).toBe(0);
    const codex = h.agents.read();
    expect(codex.argv.slice(-2)).toEqual(['exec', 'do it']);
    const overrides = codex.argv.filter((_a, i) => codex.argv[i - 1] === '-c');
    expect(overrides).toEqual(
      expect.arrayContaining([
        'model_provider="tapes"',
        `model_providers.tapes.base_url="${url}/agents/codex/providers/openai/v1"`,
        'model_providers.tapes.wire_api="responses"',
        'model_providers.tapes.requires_openai_auth=true',
        expect.stringMatching(/^model_providers\.tapes\.http_headers=\{ "X-Tapes-Harness-Id" = "codex", "X-Tapes-Harness-Session-Id" = "[0-9a-f-]{36}"/),
      ]),
    );

    expect((await h.start(['gemini', '-p', 'hi', '--skip-trust'], { GEMINI_CLI_CUSTOM_HEADERS: 'X-A:1' })).code).toBe(0);
    const gemini = h.agents.read();
    expect(gemini.argv).toEqual(['-p', 'hi', '--skip-trust']);
    expect(gemini.env['GOOGLE_GEMINI_BASE_URL']).toBe(`${url}/agents/gemini/providers/gemini`);
    const items = gemini.env['GEMINI_CLI_CUSTOM_HEADERS']!.split(',');
    expect(items[0]).toBe('X-A:1');
    expect(items).toContain('X-Tapes-Harness-Id:gemini');
    expect(items.find((i) => i.startsWith('X-Tapes-Harness-Session-Id:'))).toMatch(UUID);

    expect((await h.start(['opencode', 'run', 'hello'], { OPENCODE_CONFIG_CONTENT: '{"theme":"dark","provider":{"anthropic":{"options":{"timeout":5}}}}' })).code).toBe(0);
    const opencode = h.agents.read();
    const config = JSON.parse(opencode.env['OPENCODE_CONFIG_CONTENT']!) as { theme: string; provider: Record<string, { options: { baseURL: string; timeout?: number; headers: Record<string, string> } }> };
    expect(config.theme).toBe('dark');
    expect(config.provider['anthropic']!.options).toMatchObject({ baseURL: `${url}/agents/opencode/providers/anthropic/v1`, timeout: 5, headers: { 'X-Tapes-Harness-Id': 'opencode' } });
    expect(config.provider['openai']!.options.baseURL).toBe(`${url}/agents/opencode/providers/openai/v1`);
    expect(config.provider['google']!.options.baseURL).toBe(`${url}/agents/opencode/providers/gemini/v1beta`);
  });

  it('exits 127 when the agent is not on PATH, 2 for an agent it does not know, and 128+n when a signal ends the agent', async () => {
    const missing = await runTapes(['start', 'claude'], { env: { ...h.env(), PATH: path.dirname(process.execPath) } });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('claude: not found on PATH');
    const unknown = await h.start(['vim']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown agent "vim"');
    const killed = await h.start(['claude'], { FAKE_AGENT_SIGNAL: 'SIGTERM' });
    expect({ code: killed.code, stderr: killed.stderr }).toMatchObject({ code: 143 });
  });
});

describe.each([
  { name: 'sqlite', database: undefined },
  { name: 'postgresql', database: () => createTestPostgres() },
])('tapes start captures a turn on $name', ({ database }) => {
  const h = startHarness(database);

  it('stores the turn the agent sent through ANTHROPIC_BASE_URL under the session it printed; the upstream sees no X-Tapes header', async () => {
    const body = path.join(h.work, 'request.json');
    writeFileSync(body, JSON.stringify(turnFixture.request));
    const run = await h.start(['claude'], { FAKE_AGENT_SEND: 'anthropic', FAKE_AGENT_BODY: body });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('HEAD 200; POST 200');
    expect(run.stdout).toContain('event: message_stop');
    const session = /tapes show ([0-9a-f-]{36})/.exec(run.stderr)?.[1];
    expect(session).toMatch(UUID);
    expect(h.upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /', 'POST /v1/messages']);
    for (const request of h.upstream.requests) expect(Object.keys(request.headers).filter((k) => k.startsWith('x-tapes-'))).toEqual([]);

    // The proxy stores in the background: poll the store, as a user would run `tapes sessions`.
    const store = await openStorage({ url: h.databaseUrl, dataDir: h.dataDir });
    try {
      let found = null;
      for (let i = 0; i < 600 && !found; i++) {
        found = await store.getSession(session!);
        if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(found).toMatchObject({ id: session, harnessId: 'claude', agentName: 'claude', cwd: h.work, turnCount: 1, outcomes: { complete: 1, partial: 0, unreduced: 0 } });
    } finally {
      await store.close();
    }
    const listed = await runTapes(['sessions', '--json'], { env: h.env() });
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(listed.stdout) as { items: Array<{ id: string }> }).items.map((s) => s.id)).toEqual([session]);
  });
});
