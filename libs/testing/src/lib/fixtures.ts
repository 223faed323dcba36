import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from './workspace';

/**
 * Where fixtures live, searched in order: this repository's own `fixtures/` (the ones we wrote
 * for OpenAI, Ollama, …) and the project's shared corpus `../shared/fixtures` beside the checkout
 * (Anthropic, OpenAI Responses, content-encoding). `TAPES_SHARED_FIXTURES` overrides the latter.
 */
export function fixtureDirs(): string[] {
  const root = workspaceRoot();
  return [path.join(root, 'fixtures'), process.env['TAPES_SHARED_FIXTURES'] ?? path.resolve(root, '../shared/fixtures')];
}

/** Absolute path of a fixture such as `anthropic/messages_stream.sse`; names every place looked. */
export function fixturePath(relative: string): string {
  const dirs = fixtureDirs();
  for (const dir of dirs) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`fixture ${relative} not found; looked in:\n${dirs.map((d) => `  ${path.join(d, relative)}`).join('\n')}`);
}

export function readFixture(relative: string): Buffer {
  return readFileSync(fixturePath(relative));
}

export function readFixtureText(relative: string): string {
  return readFixture(relative).toString('utf8');
}

/** File names in a fixture folder (first folder found), sorted. */
export function listFixtureDir(relative: string): string[] {
  return readdirSync(path.dirname(fixturePath(path.join(relative, '.')) + '/x')).sort();
}
