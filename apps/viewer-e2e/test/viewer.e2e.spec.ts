import { readFileSync } from 'node:fs';
import { eventually, MockUpstream, readFixture, send } from '@tapes/testing';
import type { Browser, Page } from 'playwright-core';
import { AppProcess } from './support/app-process';
import { artifactPath, launchBrowser, openPage } from './support/browser';
import { anthropicStream, answerTurns, LIVE_ANSWER, LIVE_TURN, replay, RETRY_TURN, SESSION_ID, SUBAGENT_ID, TOOL_RESULT_WORD, TURNS, type ReplayTurn } from './support/claude-session';

/**
 * The viewer (#15) as a person uses it: the real proxy (its bundle, with the viewer's build beside
 * it), a Claude Code session with a subagent replayed through it to a mock Anthropic, and Chromium
 * (Debian's) looking at http://127.0.0.1:<port>/_tapes/. Every assertion is about what is on the
 * screen, or what the browser downloaded.
 */
const XSS_SESSION = '5a5a5a5a-0000-4000-8000-0000000000aa';

describe('the viewer in a real browser (#15)', () => {
  let upstream: MockUpstream;
  let proxy: AppProcess;
  let browser: Browser;
  const problems: string[] = [];
  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${proxy.url}/_tapes/v1/${path}`)).json()) as T;
  const turnCount = async (session: string) => (await api<{ turn_count?: number }>(`sessions/${session}`)).turn_count ?? 0;

  const xssTurn: ReplayTurn = {
    name: 'hostile content',
    request: { model: 'claude-sonnet-4-5-20250929', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Print <img src=x onerror="window.__xss=1"> please' }] },
    response: anthropicStream(
      'claude-sonnet-4-5-20250929',
      [{ type: 'text', text: 'Here: <img src=x onerror="window.__xss=2"><script>window.__xss=3</script> and [a link](javascript:window.__xss=4) and <a href="javascript:window.__xss=5">another</a>.\n\n**bold stays**' }],
      'end_turn',
      12,
    ),
  };

  beforeAll(async () => {
    upstream = await MockUpstream.start();
    answerTurns(upstream, [...TURNS, LIVE_TURN, RETRY_TURN, xssTurn]);
    proxy = await AppProcess.start('proxy', (port, dataDir) => ({ TAPES_PROXY_LISTEN: `127.0.0.1:${port}`, TAPES_DATA_DIR: dataDir, TAPES_UPSTREAM_ANTHROPIC: upstream.url }), '/_tapes/health/live');
    for (const turn of TURNS) await replay(proxy.url, turn);
    await eventually('the 4 replayed turns to be stored', async () => ((await turnCount(SESSION_ID)) === 4 ? true : undefined));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await upstream?.close();
  });

  async function open(hash = '', options: { dark?: boolean } = {}): Promise<Page> {
    const { page, problems: seen } = await openPage(browser, options);
    page.on('close', () => problems.push(...seen));
    await page.goto(`${proxy.url}/_tapes/${hash}`);
    return page;
  }

  it('lists the session: first prompt, harness and version, turns, threads, outcomes', async () => {
    const page = await open();
    const row = page.locator(`a.session-row[data-session="${SESSION_ID}"]`);
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('The server test fails with a 502 from the upstream');
    expect(text).toContain('claude 2.0.31');
    expect(text).toMatch(/\b4\b/); // turns
    expect(text).toMatch(/\b2\b/); // threads
    expect(text).toContain('4 complete');
    await page.screenshot({ path: artifactPath('sessions.png') });
    await page.close();
  });

  it('shows the thread tree, the tool call input, omitted thinking, and a tool result folded under its call', async () => {
    const page = await open();
    await page.locator(`a.session-row[data-session="${SESSION_ID}"]`).click();
    const tree = page.locator('.thread-tree');
    await tree.locator('[data-thread=""]').waitFor();
    expect(await tree.locator('[data-thread=""]').innerText()).toContain('main agent');
    // The subagent sits under the main agent that spawned it.
    expect(await tree.locator(`li li [data-thread="${SUBAGENT_ID}"]`).innerText()).toContain(`subagent ${SUBAGENT_ID}`);

    const transcript = page.locator('.transcript');
    await transcript.locator('[data-block="tool_use"]').first().waitFor();
    const bash = transcript.locator('.tool-call', { hasText: 'Bash' });
    await bash.waitFor();
    expect(await bash.innerText()).toContain('npx jest -c apps/api/jest.config.cjs server --runInBand');
    expect(await transcript.innerText()).toContain('thinking omitted — signature kept');
    // The Grep call of turn 1 carries its result (from turn 2's request) beneath it.
    const grep = transcript.locator('.tool-call', { hasText: 'Grep' });
    expect(await grep.locator('.tool-result').innerText()).toContain('src/server.ts:142');
    // Per-turn facts: model, cache tokens, TTFB.
    const meta = transcript.locator('.turn-meta').first();
    expect(await meta.innerText()).toMatch(/claude-sonnet-4-5-20250929[\s\S]*cache read[\s\S]*TTFB/);
    await page.screenshot({ path: artifactPath('session.png') });

    await tree.locator(`[data-thread="${SUBAGENT_ID}"]`).click();
    await transcript.locator('.tool-call', { hasText: 'grep -rn' }).waitFor();
    expect(await transcript.innerText()).toContain('Two callers');
    await page.close();
  });

  it('shows a new turn live: the session page and the list update without a reload', async () => {
    const list = await open();
    const row = list.locator(`a.session-row[data-session="${SESSION_ID}"]`);
    await row.waitFor();
    const page = await open(`#/sessions/${SESSION_ID}`);
    await page.locator('.transcript [data-role="assistant"]').first().waitFor();
    await page.locator('[data-live="live"]').waitFor();
    await list.locator('[data-live="live"]').waitFor();
    await page.keyboard.press('G'); // to the end: the transcript follows new rows from there
    await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));

    await replay(proxy.url, LIVE_TURN);
    await page.locator('.transcript', { hasText: LIVE_ANSWER }).waitFor({ timeout: 30_000 });
    // Rendered as Markdown: the code block is a <pre><code>.
    expect(await page.locator('.transcript .markdown pre code').last().innerText()).toContain('retry(() => request(target, { headers }))');
    expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
    await eventually('the list row to show 5 turns', async () => ((await row.innerText()).includes('5 complete') ? true : undefined));
    await list.close();
    await page.close();
  });

  it('finds a word that occurs only in a tool result, and opens the session at that turn', async () => {
    const page = await open();
    await page.locator('input.search').fill(TOOL_RESULT_WORD);
    const hit = page.locator('.search-results .hit').first();
    await hit.waitFor();
    expect(await hit.locator('mark').innerText()).toBe(TOOL_RESULT_WORD);
    // The list narrows to sessions containing it.
    await eventually('the list to show only the matching session', async () => ((await page.locator('a.session-row').count()) === 1 ? true : undefined));
    await page.screenshot({ path: artifactPath('search.png') });
    await hit.click();
    await page.locator(`.thread-tree a.selected[data-thread="${SUBAGENT_ID}"]`).waitFor();
    await page.close();
  });

  it('shows a turn: headers as stored (credentials redacted), the stream as its event list, and downloads the exact stored bytes', async () => {
    const session = await api<{ threads: { id: string; turns: { id: string }[] }[] }>(`sessions/${SESSION_ID}`);
    const fixtureTurn = session.threads[0]!.turns[1]!.id;
    const page = await open(`#/turns/${fixtureTurn}`);
    await page.locator('.headers').first().waitFor();
    const content = await page.locator('main').innerText();
    expect(content).toContain('x-claude-code-session-id');
    expect(content).toContain(SESSION_ID);
    expect(content).not.toContain('E2E-NOT-A-REAL-KEY');
    expect(content).toContain('[redacted:');
    await page.locator('.frame[data-event="message_start"]').waitFor();
    expect(await page.locator('.frames').innerText()).toContain('content_block_delta');
    await page.screenshot({ path: artifactPath('turn.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-download="response"]').click()]);
    const saved = readFileSync((await download.path())!);
    const stored = Buffer.from(await (await fetch(`${proxy.url}/_tapes/v1/turns/${fixtureTurn}/raw?part=response`)).arrayBuffer());
    expect(saved.equals(stored)).toBe(true);
    expect(saved.equals(readFixture('anthropic_extra/claude_code_turn.sse'))).toBe(true);
    await page.close();
  });

  it('draws the branches: a retried turn forks the conversation, and a branch opens the transcript at its message', async () => {
    await replay(proxy.url, RETRY_TURN);
    await eventually('the retry to be stored', async () => ((await turnCount(SESSION_ID)) === 6 ? true : undefined));
    const page = await open(`#/sessions/${SESSION_ID}?view=branches`);
    await page.locator('svg.dag .dag-node').first().waitFor();
    expect(await page.locator('.branches').innerText()).toContain('1 fork');
    expect(await page.locator('svg.dag .dag-node.head').count()).toBe(2); // the main thread's head, the subagent's
    expect(await page.locator('svg.dag .dag-node.fork').count()).toBe(1);
    await page.screenshot({ path: artifactPath('branches.png') });
    const branch = page.locator('.fork-list a', { hasText: 'Retrying' });
    await branch.click();
    await page.locator('.transcript .message.focused', { hasText: 'Retrying: the first attempt was cut off' }).waitFor();
    await page.close();
  });

  it('renders hostile captured content inert (no script runs, no image loads, no javascript: link)', async () => {
    await send(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': XSS_SESSION },
      body: JSON.stringify(xssTurn.request),
    });
    await eventually('the hostile turn to be stored', async () => ((await turnCount(XSS_SESSION)) === 1 ? true : undefined));
    const page = await open(`#/sessions/${XSS_SESSION}`);
    const answer = page.locator('.transcript .message.assistant');
    await answer.waitFor();
    expect(await answer.innerText()).toContain('bold stays');
    expect(await answer.locator('strong').innerText()).toBe('bold stays');
    expect(await page.locator('.transcript img').count()).toBe(0);
    expect(await page.locator('.transcript script').count()).toBe(0);
    expect(await page.locator('.transcript a[href^="javascript"]').count()).toBe(0);
    expect(await page.locator('.transcript [onerror]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  });

  it('is readable dark, on a wide monitor', async () => {
    const { page, problems: seen } = await openPage(browser, { dark: true, width: 2560, height: 1300 });
    await page.goto(`${proxy.url}/_tapes/#/sessions/${SESSION_ID}`);
    await page.locator('.transcript [data-role="assistant"]').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await page.screenshot({ path: artifactPath('session-dark-wide.png') });
    await page.close();
    problems.push(...seen);
  });

  it('deletes a session after confirmation', async () => {
    const page = await open(`#/sessions/${XSS_SESSION}`);
    await page.locator('button', { hasText: 'Delete…' }).click();
    const dialog = page.locator('dialog.confirm');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('cannot be undone');
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    expect((await fetch(`${proxy.url}/_tapes/v1/sessions/${XSS_SESSION}`)).status).toBe(200);
    await page.locator('button', { hasText: 'Delete…' }).click();
    await dialog.locator('button', { hasText: 'Delete session' }).click();
    await page.locator(`a.session-row[data-session="${SESSION_ID}"]`).waitFor();
    expect(await page.locator(`a.session-row[data-session="${XSS_SESSION}"]`).count()).toBe(0);
    expect((await fetch(`${proxy.url}/_tapes/v1/sessions/${XSS_SESSION}`)).status).toBe(404);
    await page.close();
  });

  it('raised no page error and no console error (a CSP violation would be one)', () => {
    expect(problems).toEqual([]);
  });
});
