import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configTableProblems, envAliasesOf, readConfigTable } from '@tapes/nest-kit';
import { workspaceRoot } from '@tapes/testing';
import { migrateConfigSchema, migrateSettings } from '../migrate';
import { ingestConfigSchema, ingestSettings } from './ingest-config';

describe('docs/configuration.md', () => {
  it('lists every setting of ingest and its migration Job, for ingest, and nothing ingest does not read', () => {
    const rows = readConfigTable(readFileSync(path.join(workspaceRoot(), 'docs/configuration.md'), 'utf8'));
    const settings = new Set([...Object.keys(ingestSettings.shape), ...Object.keys(migrateSettings.shape)]);
    expect(configTableProblems(rows, 'ingest', settings, [...envAliasesOf(ingestConfigSchema), ...envAliasesOf(migrateConfigSchema)])).toEqual([]);
  });
});
