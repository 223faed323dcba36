#!/usr/bin/env node
// Builds the viewer (apps/viewer, #15) with Vite into static files: dist/apps/viewer by default, or
// the directory given as the first argument (build-app.mjs builds it beside an app bundle).
// Fails when the first load — the page, its entry script and its styles — is over the budget
// of 300 KB gzipped, and prints the figure.
//
// Also exports `viewerSourceDigest()` and `buildViewer(outDir)` for build-app.mjs: a build records
// the digest of what it was built from in `.source-digest`, so an app build copies a fresh
// dist/apps/viewer instead of building it again (`nx build proxy` runs `nx build viewer` first).
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const viewerDir = path.join(root, 'apps', 'viewer');
export const DEFAULT_OUT_DIR = path.join(root, 'dist', 'apps', 'viewer');
const BUDGET_BYTES = 300 * 1024;

/** What the build depends on: the viewer's sources and config, the lockfile, this script. */
export async function viewerSourceDigest() {
  const files = [];
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(full);
    }
  };
  await walk(path.join(viewerDir, 'src'));
  files.push(path.join(viewerDir, 'index.html'), path.join(viewerDir, 'vite.config.mts'), path.join(root, 'package-lock.json'), fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  for (const file of files.sort()) hash.update(path.relative(root, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

/** First-load bytes, gzipped: index.html and every script and stylesheet it names. */
async function firstLoadGzipBytes(outDir) {
  const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let total = gzipSync(html).byteLength;
  for (const ref of refs) total += gzipSync(await readFile(path.join(outDir, ref))).byteLength;
  return { total, files: refs.length + 1 };
}

export async function buildViewer(outDir = DEFAULT_OUT_DIR) {
  const { build } = await import('vite');
  const started = Date.now();
  process.env.TAPES_VIEWER_OUT_DIR = path.resolve(outDir);
  await build({ configFile: path.join(viewerDir, 'vite.config.mts'), logLevel: 'warn' });
  const size = await firstLoadGzipBytes(outDir);
  await writeFile(path.join(outDir, '.source-digest'), await viewerSourceDigest());
  const kb = (size.total / 1024).toFixed(1);
  console.log(`built viewer into ${path.relative(root, outDir) || '.'} in ${Date.now() - started} ms: first load ${kb} KB gzipped (${size.files} files; budget ${BUDGET_BYTES / 1024} KB)`);
  if (size.total > BUDGET_BYTES) throw new Error(`the viewer's first load is ${kb} KB gzipped, over the ${BUDGET_BYTES / 1024} KB budget (#15)`);
  return size;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildViewer(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
