import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { workspaceRoot } from './workspace';

describe('reads outside the repository (#10)', () => {
  const beside = path.join(path.dirname(workspaceRoot()), 'shared', 'fixtures', 'README.md');

  it('fail loudly, so a test that depends on a sibling of the checkout cannot pass here and fail on a clone', async () => {
    expect(() => existsSync(beside)).toThrow(/outside the repository/);
    expect(() => readFileSync(beside)).toThrow(/outside the repository/);
    await expect(readFile(beside)).rejects.toThrow(/outside the repository/);
  });

  it('leave the repository itself readable', () => {
    expect(readFileSync(path.join(workspaceRoot(), 'fixtures', 'README.md'), 'utf8')).toContain('# Fixtures');
  });
});
