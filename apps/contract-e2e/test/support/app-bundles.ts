import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';

/** The three capture apps, each built into one bundle by tools/build/build-app.mjs. */
export const APPS = ['proxy', 'ingest', 'sidecar'] as const;
export type AppName = (typeof APPS)[number];

/** `dist/apps/<app>/main.js`: what `nx serve <app>` runs, and what the suites run. */
export function bundlePath(app: AppName): string {
  return path.join(workspaceRoot(), 'dist', 'apps', app, 'main.js');
}

/** The ext_proc wire definition the build ships beside the sidecar's bundle: what Envoy is played with. */
export function sidecarProtoPath(): string {
  return path.join(path.dirname(bundlePath('sidecar')), 'ext_proc.proto');
}

/** Newest modification time of any file under `dir` (0 when it does not exist). */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds every bundle that is missing or older than the sources it is made from (the app's src,
 * every lib's src and the storage schemas). Under `nx test` the build targets already ran (the
 * test target depends on them) and nothing is rebuilt; a direct `jest` run gets fresh bundles too.
 * Returns the apps it built.
 */
export function ensureFreshBundles(): AppName[] {
  const root = workspaceRoot();
  const libsDir = path.join(root, 'libs');
  const libSources = Math.max(
    ...readdirSync(libsDir).map((lib) => newestMtime(path.join(libsDir, lib, 'src'))),
    newestMtime(path.join(libsDir, 'storage', 'prisma')),
  );
  const built: AppName[] = [];
  for (const app of APPS) {
    const bundle = bundlePath(app);
    const sources = Math.max(libSources, newestMtime(path.join(root, 'apps', app, 'src')));
    if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) continue;
    execFileSync(process.execPath, [path.join(root, 'tools', 'build', 'build-app.mjs'), app], { cwd: root, stdio: 'inherit' });
    built.push(app);
  }
  return built;
}
