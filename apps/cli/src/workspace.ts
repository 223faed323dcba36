import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (where nx.json is), found from this file: the CLI runs from its checkout. */
export function workspaceRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${__dirname}: tapes runs from its repository checkout`);
}
