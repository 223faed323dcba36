import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configTableProblems, envAliasesOf, readConfigTable } from '@tapes/nest-kit';
import { workspaceRoot } from '@tapes/testing';
import { proxyConfigSchema, proxySettings } from './proxy-config';

describe('docs/configuration.md', () => {
  it("lists every setting of the proxy, for the proxy, and nothing the proxy does not read", () => {
    const rows = readConfigTable(readFileSync(path.join(workspaceRoot(), 'docs/configuration.md'), 'utf8'));
    expect(configTableProblems(rows, 'proxy', Object.keys(proxySettings.shape), envAliasesOf(proxyConfigSchema))).toEqual([]);
  });
});
