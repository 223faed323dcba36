#!/usr/bin/env node
// Builds one app into a single CommonJS bundle: dist/apps/<name>/main.js (and migrate.js, below).
//
// esbuild bundles the app and the workspace libs (resolving the tsconfig path aliases) and leaves
// node_modules external; TypeScript itself is transformed by @swc/core because NestJS's
// dependency injection needs the `design:paramtypes` decorator metadata that esbuild does not emit.
// Files the app or a bundled lib loads at run time (*.proto next to sources) are copied beside the bundle.
import { build } from 'esbuild';
import { transform } from '@swc/core';
import { existsSync } from 'node:fs';
import { readFile, cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = process.argv[2];
if (!app) {
  console.error('usage: node tools/build/build-app.mjs <app>');
  process.exit(2);
}
const appDir = path.join(root, 'apps', app);
// TAPES_BUILD_OUT_DIR: build elsewhere (tests bundle into tmp/ without touching dist/).
const outDir = process.env.TAPES_BUILD_OUT_DIR ? path.resolve(process.env.TAPES_BUILD_OUT_DIR) : path.join(root, 'dist', 'apps', app);

const swcTypescript = {
  name: 'swc-typescript',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const out = await transform(source, {
        filename: args.path,
        sourceMaps: 'inline',
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'es6' },
      });
      return { contents: out.code, loader: 'js' };
    });
  },
};

async function copyAssets(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await copyAssets(full);
    else if (/\.(proto)$/.test(entry.name)) await cp(full, path.join(outDir, entry.name));
  }
}

// Entry points: main.ts, and src/migrate.ts when the app has one (ingest: `node migrate.js` applies
// the storage migrations and exits; the Helm chart's migration Job runs it). Separate bundles.
const entryPoints = { main: path.join(appDir, 'src', 'main.ts') };
if (existsSync(path.join(appDir, 'src', 'migrate.ts'))) entryPoints.migrate = path.join(appDir, 'src', 'migrate.ts');

const started = Date.now();
await mkdir(outDir, { recursive: true });
const result = await build({
  entryPoints,
  outdir: outDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  packages: 'external', // node_modules stay external: installed in the image, not bundled
  tsconfig: path.join(root, 'tsconfig.base.json'),
  keepNames: true,
  logLevel: 'warning',
  plugins: [swcTypescript],
  metafile: true,
  // The metafile's input paths (read below to find the bundled libs) are relative to this; a
  // build started from a project folder (nx runs a project's tests there) must see `libs/…` too.
  absWorkingDir: root,
});
// Assets of the app and of every workspace lib it bundles (libs/ext-proc carries ext_proc.proto).
const bundledLibs = new Set(Object.keys(result.metafile.inputs).flatMap((input) => /^libs\/[^/]+\//.exec(input) ?? []));
for (const dir of [path.join(appDir, 'src'), ...[...bundledLibs].map((lib) => path.join(root, lib, 'src'))]) await copyAssets(dir);
// Storage applies its migrations at start-up: an app that bundles it gets the schemas and
// migration folders beside the bundle.
if (Object.keys(result.metafile.inputs).some((input) => input.startsWith('libs/storage/'))) {
  await cp(path.join(root, 'libs', 'storage', 'prisma'), path.join(outDir, 'prisma'), { recursive: true });
}
// The web viewer (#15): an app that serves it (libs/viewer-server) gets its static build beside the
// bundle, in viewer/. A dist/apps/viewer built from the same sources (`nx build viewer`, which
// `nx build <app>` runs first) is copied; otherwise (a Docker build, a test's bundle) it is built here.
if (Object.keys(result.metafile.inputs).some((input) => input.startsWith('libs/viewer-server/'))) {
  const { buildViewer, viewerSourceDigest, DEFAULT_OUT_DIR } = await import('./build-viewer.mjs');
  const target = path.join(outDir, 'viewer');
  const built = await readFile(path.join(DEFAULT_OUT_DIR, '.source-digest'), 'utf8').catch(() => '');
  if (built && built === (await viewerSourceDigest())) {
    await rm(target, { recursive: true, force: true });
    await cp(DEFAULT_OUT_DIR, target, { recursive: true });
  } else {
    await buildViewer(target);
  }
}
console.log(`built ${Object.keys(entryPoints).map((e) => path.relative(root, path.join(outDir, `${e}.js`))).join(', ')} in ${Date.now() - started} ms`);
