import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '@tapes/testing';
import type { Browser } from 'playwright-core';
import { AppProcess } from './support/app-process';
import { launchBrowser, openPage } from './support/browser';
import { bundlePath } from './support/bundles';

/**
 * Ingest serves the same viewer build at /ui/ (#15): the same page and assets as the proxy's
 * /_tapes/, the read API found at ../v1/, and a turn posted to ingest shows up in it.
 */
describe('the viewer served by ingest at /ui/', () => {
  let ingest: AppProcess;
  let browser: Browser;

  beforeAll(async () => {
    ingest = await AppProcess.start('ingest', (port, dataDir) => ({ INGEST_HOST: '127.0.0.1', INGEST_PORT: String(port), TAPES_DATA_DIR: dataDir }), '/health/live');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await ingest?.stop();
  });

  it("is the proxy's build: the same page but for where the API is, the same assets byte for byte", async () => {
    const page = await (await fetch(`${ingest.url}/ui/`)).text();
    const proxyIndex = readFileSync(path.join(path.dirname(bundlePath('proxy')), 'viewer', 'index.html'), 'utf8');
    expect(page).toContain('<meta name="tapes-api" content="../v1/">');
    expect(page.replace(/\s*<meta name="tapes-api"[^>]*>/, '')).toBe(proxyIndex.replace(/\s*<meta name="tapes-api"[^>]*>/, ''));
    const assets = [...page.matchAll(/"\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const served = Buffer.from(await (await fetch(`${ingest.url}/ui/${asset}`)).arrayBuffer());
      expect(served.equals(readFileSync(path.join(path.dirname(bundlePath('proxy')), 'viewer', asset)))).toBe(true);
    }
  });

  it('shows a turn posted to ingest, reading the API at /v1', async () => {
    const envelope = {
      request_id: 'ui-e2e-1',
      provider: 'anthropic',
      api: 'anthropic.messages',
      method: 'POST',
      path: '/v1/messages',
      status: 200,
      request_headers: { 'content-type': 'application/json', 'user-agent': 'claude-cli/2.0.31 (external, cli)', 'x-claude-code-session-id': '0babe000-0000-4000-8000-00000000cafe' },
      response_headers: { 'content-type': 'application/json' },
      request: { model: 'claude-3-5-sonnet-20241022', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello from ingest' }] },
      response: { id: 'msg_ui', type: 'message', role: 'assistant', model: 'claude-3-5-sonnet-20241022', content: [{ type: 'text', text: 'Hello from ingest.' }], stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 4 } },
    };
    const posted = await fetch(`${ingest.url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
    expect(posted.status).toBeLessThan(300);
    await eventually('the posted turn to be listed', async () => ((await (await fetch(`${ingest.url}/v1/sessions`)).json()) as { items: unknown[] }).items.length === 1 || undefined);
    const { page, problems } = await openPage(browser);
    await page.goto(`${ingest.url}/ui/`);
    await page.locator('a.session-row', { hasText: 'Say hello from ingest' }).click();
    await page.locator('.transcript', { hasText: 'Hello from ingest.' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
