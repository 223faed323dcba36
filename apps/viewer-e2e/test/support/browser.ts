import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Chromium from the Debian package (`apt-get install chromium`; tools/ci/chromium.sh installs it
 * for `npm test`). Playwright's own browser download cannot work on these machines, so
 * playwright-core drives the system executable. Missing Chromium is a failure, never a skip.
 */
export function chromiumPath(): string {
  const candidates = [process.env['TAPES_CHROMIUM'], which('chromium'), '/usr/bin/chromium', which('chromium-browser')];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error('Chromium is not installed: run `tools/ci/chromium.sh install` (apt-get install -y chromium); the viewer e2e needs a real browser');
  return found;
}

function which(name: string): string | undefined {
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces this machine does not give it.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** A fresh context with what a page reports to the console and its failures kept for assertions. */
export async function openPage(browser: Browser, options: { width?: number; height?: number; dark?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1440, height: options.height ?? 900 }, acceptDownloads: true, colorScheme: options.dark ? 'dark' : 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error on ${page.url()} (${msg.location().url}:${msg.location().lineNumber}:${msg.location().columnNumber}): ${msg.text()}`);
  });
  return { context, page, problems };
}

/** Screenshots are test artifacts: tmp/viewer-e2e/ (gitignored). */
export function artifactPath(name: string): string {
  const dir = path.join(workspaceRoot(), 'tmp', 'viewer-e2e');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
