export { workspaceRoot } from './lib/workspace';
export { fixtureDirs, fixturePath, readFixture, readFixtureText, listFixtureDir } from './lib/fixtures';
export type { TurnFixture } from './lib/catalog/turn-fixture';
