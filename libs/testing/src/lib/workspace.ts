import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (where nx.json is), found from this file so tests can run from any cwd. */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
