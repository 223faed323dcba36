import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from './workspace';

/**
 * The one place fixtures live: this repository's `fixtures/`. A clone has nothing beside it, so a
 * fixture that is not here is a bug in the repository, never a setup step (fixtures/README.md
 * says where each family came from).
 */
export function fixturesRoot(): string {
  return path.join(workspaceRoot(), 'fixtures');
}

/** Absolute path of a fixture such as `anthropic/messages_stream.sse`; says where it looked. */
export function fixturePath(relative: string): string {
  const candidate = path.join(fixturesRoot(), relative);
  if (!existsSync(candidate)) throw new Error(`fixture ${relative} not found at ${candidate} (every fixture a test reads lives in the repository's fixtures/)`);
  return candidate;
}

export function readFixture(relative: string): Buffer {
  return readFileSync(fixturePath(relative));
}

export function readFixtureText(relative: string): string {
  return readFixture(relative).toString('utf8');
}

/** File names in a fixture folder, sorted. */
export function listFixtureDir(relative: string): string[] {
  return readdirSync(fixturePath(relative)).sort();
}
