import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';

export type ViewerApp = 'proxy' | 'ingest';

/** `dist/apps/<app>/main.js`, with the viewer's build in `viewer/` beside it. */
export function bundlePath(app: ViewerApp): string {
  return path.join(workspaceRoot(), 'dist', 'apps', app, 'main.js');
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Rebuilds each bundle that is missing or older than its app, the libs, or the viewer. */
export function ensureFreshBundles(apps: ViewerApp[]): ViewerApp[] {
  const root = workspaceRoot();
  const libs = path.join(root, 'libs');
  const shared = Math.max(
    ...readdirSync(libs).map((lib) => newestMtime(path.join(libs, lib, 'src'))),
    newestMtime(path.join(libs, 'storage', 'prisma')),
    newestMtime(path.join(root, 'apps', 'viewer', 'src')),
    statSync(path.join(root, 'apps', 'viewer', 'index.html')).mtimeMs,
  );
  const built: ViewerApp[] = [];
  for (const app of apps) {
    const bundle = bundlePath(app);
    const viewer = path.join(path.dirname(bundle), 'viewer', 'index.html');
    const sources = Math.max(shared, newestMtime(path.join(root, 'apps', app, 'src')));
    if (existsSync(bundle) && existsSync(viewer) && statSync(bundle).mtimeMs >= sources && statSync(viewer).mtimeMs >= sources) continue;
    execFileSync(process.execPath, [path.join(root, 'tools', 'build', 'build-app.mjs'), app], { cwd: root, stdio: 'inherit' });
    built.push(app);
  }
  return built;
}
