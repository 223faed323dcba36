import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configTableProblems, envAliasesOf, readConfigTable } from '@tapes/nest-kit';
import { workspaceRoot } from '@tapes/testing';
import { sidecarConfigSchema, sidecarSettings } from './sidecar-config';

describe('docs/configuration.md', () => {
  it('lists every setting of the sidecar, for the sidecar, with its deprecated names, and nothing the sidecar does not read', () => {
    const rows = readConfigTable(readFileSync(path.join(workspaceRoot(), 'docs/configuration.md'), 'utf8'));
    expect(configTableProblems(rows, 'sidecar', Object.keys(sidecarSettings.shape), envAliasesOf(sidecarConfigSchema))).toEqual([]);
  });
});
