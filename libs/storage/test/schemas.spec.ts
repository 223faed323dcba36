import fs from 'node:fs';
import path from 'node:path';

/**
 * One Prisma schema holds one provider, so SQLite and PostgreSQL each have theirs (design §5). They
 * must describe the same models: same fields, types, attributes and indexes, except for
 * provider-specific native types (`@db.*`). Each schema's migrations are checked against the schema
 * by the no-drift test in migrations.spec.ts.
 */
const read = (name: string) => fs.readFileSync(path.resolve(__dirname, '../prisma', name, 'schema.prisma'), 'utf8');

interface Block {
  kind: string;
  name: string;
  lines: string[];
}

function blocks(schema: string): Block[] {
  const out: Block[] = [];
  let current: Block | null = null;
  for (const raw of schema.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim().replace(/\s+/g, ' ');
    if (!line) continue;
    const open = /^(model|enum|generator|datasource|type|view) (\w+) \{$/.exec(line);
    if (open) current = { kind: open[1]!, name: open[2]!, lines: [] };
    else if (line === '}' && current) {
      out.push(current);
      current = null;
    } else if (current) current.lines.push(line);
  }
  return out;
}

/** A model with native-type attributes removed. */
function portable(block: Block): string[] {
  return block.lines.map((l) => l.replace(/ @db\.\w+(\([^)]*\))?/g, ''));
}

describe('the SQLite and PostgreSQL schemas', () => {
  const sqlite = blocks(read('sqlite'));
  const pg = blocks(read('pg'));

  it('define the same models, enums and views, in the same order', () => {
    const names = (bs: Block[]) => bs.filter((b) => b.kind !== 'generator' && b.kind !== 'datasource').map((b) => `${b.kind} ${b.name}`);
    expect(names(sqlite)).toEqual(names(pg));
    expect(names(sqlite)).toEqual(['model Node', 'model Turn', 'model Session', 'model TurnText']);
  });

  it.each(['Node', 'Turn', 'Session', 'TurnText'])('define model %s with the same fields, types, attributes and indexes', (model) => {
    const a = sqlite.find((b) => b.name === model)!;
    const b = pg.find((b) => b.name === model)!;
    expect(portable(a)).toEqual(portable(b));
  });

  it('differ only in provider and client output', () => {
    const gen = (bs: Block[]) => bs.find((b) => b.kind === 'generator')!.lines;
    expect(gen(sqlite)).toEqual(gen(pg).map((l) => l.replace('generated/pg', 'generated/sqlite')));
    expect(sqlite.find((b) => b.kind === 'datasource')!.lines).toEqual(['provider = "sqlite"']);
    expect(pg.find((b) => b.kind === 'datasource')!.lines).toEqual(['provider = "postgresql"']);
  });

  it('use only native types that keep microseconds on PostgreSQL', () => {
    const natives = pg.flatMap((b) => b.lines.flatMap((l) => l.match(/@db\.\w+(\([^)]*\))?/g) ?? []));
    expect(new Set(natives)).toEqual(new Set(['@db.Timestamptz(6)']));
  });
});
