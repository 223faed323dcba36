import { z } from 'zod';
import { ConfigError, configDeprecations, parseConfig } from './config';
import { configTableProblems, readConfigTable } from './config-table';
import { duration, positiveDuration } from './duration';
import { resolveEnvAliases, withEnvAliases, type EnvAlias } from './env-aliases';
import { byteSize } from './env-schema';

const ALIASES: EnvAlias[] = [
  { old: 'GRACE_MS', name: 'GRACE', unit: 'ms' },
  { old: 'RETRY_AFTER_SECONDS', name: 'RETRY_AFTER', unit: 's' },
  { old: 'BUDGET_BYTES', name: 'QUEUE_BYTES', unit: 'bytes' },
  { old: 'OLD_DIR', name: 'DIR' },
];

const schema = withEnvAliases(
  z.object({
    GRACE: duration(10_000),
    RETRY_AFTER: positiveDuration(2_000),
    QUEUE_BYTES: byteSize(64),
    DIR: z.string().default('.tapes'),
  }),
  ALIASES,
);

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig('test', schema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('deprecated setting names (env aliases)', () => {
  it('reads an old name as the new one, in its old unit, with one warning naming the new name', () => {
    const config = parseConfig('test', schema, { GRACE_MS: '2500', RETRY_AFTER_SECONDS: '5', BUDGET_BYTES: '1kb', OLD_DIR: '/var/lib/tapes' });
    expect(config).toEqual({ GRACE: 2500, RETRY_AFTER: 5000, QUEUE_BYTES: 1024, DIR: '/var/lib/tapes' });
    const warnings = configDeprecations(config);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/^GRACE_MS is deprecated: set GRACE instead .*GRACE=2500ms/);
    expect(warnings[3]).toBe('OLD_DIR is deprecated: set DIR instead');
  });

  it('warns about nothing when only new names are used', () => {
    const config = parseConfig('test', schema, { GRACE: '30s', DIR: 'x' });
    expect(config.GRACE).toBe(30_000);
    expect(configDeprecations(config)).toEqual([]);
  });

  it('lets an explicit new name win when both say the same, in any unit', () => {
    const config = parseConfig('test', schema, { GRACE: '10s', GRACE_MS: '10000', QUEUE_BYTES: '1024', BUDGET_BYTES: '1kb', DIR: 'a', OLD_DIR: ' a ' });
    expect(config).toMatchObject({ GRACE: 10_000, QUEUE_BYTES: 1024, DIR: 'a' });
    expect(configDeprecations(config)).toHaveLength(3);
    expect(configDeprecations(config)[0]).toContain('GRACE is set too and wins');
  });

  it('refuses both names set differently, naming both', () => {
    const problems = problemsOf({ GRACE: '30s', GRACE_MS: '10000', DIR: 'a', OLD_DIR: 'b' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('GRACE_MS and GRACE are both set, differently (GRACE_MS=10000, GRACE=30s)');
    expect(problems[1]).toContain('OLD_DIR and DIR are both set');
  });

  it('takes an _MS name in whole milliseconds only, as before, and says which name to use', () => {
    const problems = problemsOf({ GRACE_MS: '10s' });
    expect(problems).toEqual([expect.stringContaining('GRACE_MS: must be a whole number of milliseconds (got "10s"); it is the deprecated name of GRACE')]);
  });

  it('names the old name when its value fails the new check', () => {
    expect(problemsOf({ RETRY_AFTER_SECONDS: '0' })).toEqual([expect.stringMatching(/^RETRY_AFTER: must be more than 0 .*\(got "0s", from its deprecated name RETRY_AFTER_SECONDS\)/)]);
  });

  it('treats a blank old name as unset and leaves the given environment alone', () => {
    const env = { GRACE_MS: ' ', GRACE: '1s' };
    const resolved = resolveEnvAliases(env, ALIASES);
    expect(resolved).toMatchObject({ deprecations: [], problems: [] });
    expect(env).toEqual({ GRACE_MS: ' ', GRACE: '1s' });
  });

  it('leaves a kept name to the schema and only warns', () => {
    const resolved = resolveEnvAliases({ SPOOL: '/s' }, [{ old: 'SPOOL', name: 'DIR', unit: 'kept', hint: 'set DIR (the spool is <DIR>/spool)' }]);
    expect(resolved.env).toEqual({ SPOOL: '/s' });
    expect(resolved.deprecations).toEqual(['SPOOL is deprecated: set DIR (the spool is <DIR>/spool)']);
  });

  it('refuses an alias declared twice', () => {
    expect(() => withEnvAliases(z.object({}), [ALIASES[0]!, ALIASES[0]!])).toThrow('GRACE_MS is declared as an alias twice');
  });
});

describe('the settings table (docs/configuration.md)', () => {
  const doc = [
    '# Configuration',
    '',
    '| Setting | Apps | Default | Unit | Meaning | Deprecated names |',
    '| --- | --- | --- | --- | --- | --- |',
    '| `GRACE` | proxy, sidecar | `10s` | duration | … | `GRACE_MS` (ms, sidecar) |',
    '| `DIR` | proxy, ingest, sidecar | `.tapes` | path | … | `SPOOL` (sidecar) |',
    '| `PORT` | ingest | `8082` | port | … | |',
    '',
    'Text after the table.',
  ].join('\n');
  const rows = readConfigTable(doc);

  it('reads name, apps and deprecated names of every row', () => {
    expect(rows.map(({ name, apps, aliases }) => ({ name, apps, aliases }))).toEqual([
      { name: 'GRACE', apps: ['proxy', 'sidecar'], aliases: ['GRACE_MS'] },
      { name: 'DIR', apps: ['proxy', 'ingest', 'sidecar'], aliases: ['SPOOL'] },
      { name: 'PORT', apps: ['ingest'], aliases: [] },
    ]);
  });

  it('agrees with an app that reads exactly its rows', () => {
    const aliases: EnvAlias[] = [
      { old: 'GRACE_MS', name: 'GRACE', unit: 'ms' },
      { old: 'SPOOL', name: 'DIR', unit: 'kept' },
    ];
    expect(configTableProblems(rows, 'sidecar', ['GRACE', 'DIR', 'SPOOL'], aliases)).toEqual([]);
    expect(configTableProblems(rows, 'ingest', ['DIR', 'PORT'])).toEqual([]);
  });

  it('finds a setting missing from the table, one the table lists that the app does not read, and an unlisted deprecated name', () => {
    expect(configTableProblems(rows, 'proxy', ['GRACE', 'LISTEN'], [{ old: 'OLD_GRACE', name: 'GRACE' }])).toEqual([
      'LISTEN, a setting of proxy, is not in the table',
      'line 6: the table lists DIR for proxy, which proxy does not read',
      'line 5: OLD_GRACE, a deprecated name of GRACE in proxy, is not in its row',
    ]);
    expect(configTableProblems(rows, 'ingest', ['PORT', 'DIR', 'GRACE'])).toEqual(['line 5: GRACE is a setting of ingest, but its row does not list ingest']);
  });

  it('finds a row without an app, a duplicate, and a missing table', () => {
    const bad = readConfigTable(doc.replace('| `PORT` | ingest |', '| `PORT` | the server |').replace('`DIR` |', '`GRACE` |'));
    expect(configTableProblems(bad, 'sidecar', ['GRACE'])).toEqual(expect.arrayContaining(['line 6: GRACE is listed twice', 'line 7: PORT names no app (proxy, ingest or sidecar)']));
    expect(configTableProblems([], 'proxy', [])).toEqual([expect.stringContaining('no settings table')]);
  });
});
