#!/usr/bin/env node
// Generates the two Prisma clients of libs/storage (SQLite and PostgreSQL) into
// libs/storage/src/generated/{sqlite,pg}, with no network access: `npm run prisma:generate`.
//
// Every Prisma 7 CLI command first looks for the native schema engine and tries to download it,
// which fails here. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips that; it must be
// /bin/false, never /bin/true, so that a stray `prisma migrate …` fails loudly instead of silently
// doing nothing and exiting 0 (stack-notes §1.2). Generation itself never runs the engine.
//
// Usage: node tools/prisma/generate.mjs [sqlite|pg ...]   (default: both)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js', { paths: [root] });
const schemas = { sqlite: 'libs/storage/prisma/sqlite/schema.prisma', pg: 'libs/storage/prisma/pg/schema.prisma' };

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in schemas)) {
    console.error(`unknown schema "${name}" (expected: ${Object.keys(schemas).join(', ')})`);
    process.exit(2);
  }
}
const names = wanted.length ? wanted : Object.keys(schemas);

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
  CHECKPOINT_DISABLE: '1', // no update/telemetry check
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

function generate(name) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [prismaCli, 'generate', '--schema', schemas[name]], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ name, code, output }));
  });
}

// The two generations are independent; running them side by side halves the wall time (~1.5 s each,
// almost all of it CLI start-up).
const results = await Promise.all(names.map(generate));
let failed = false;
for (const { name, code, output } of results) {
  if (code === 0) {
    const line = output.split('\n').find((l) => l.includes('Generated Prisma Client'));
    console.log(`[prisma:generate] ${name}: ${line?.replace(/^\W+/, '').trim() ?? 'ok'}`);
  } else {
    failed = true;
    console.error(`[prisma:generate] ${name} failed (exit ${code}):\n${output}`);
  }
}
process.exit(failed ? 1 : 0);
