#!/usr/bin/env node
// Migrations for libs/storage without Prisma's native engine (stack-notes §1.3). Runs the
// TypeScript CLI (libs/storage's `@tapes/storage/migrate` entry) in place through @swc-node/register:
// no build step needed.
//
//   node tools/prisma/migrate.mjs status --db <sqlite-file|postgresql://…>
//   node tools/prisma/migrate.mjs deploy --db <sqlite-file|postgresql://…> [--engine runner|wasm]
//   node tools/prisma/migrate.mjs diff   --schema sqlite|pg [--db <postgresql://… for the shadow db>] [--name <x>]
//   node tools/prisma/migrate.mjs check  [--schema sqlite|pg] [--db <postgresql://…>]
//
// Run `node tools/prisma/migrate.mjs --help` for details.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// swc-node reads tsconfig.json from the working directory; point it at the workspace's base config
// so the @tapes/* path aliases resolve wherever this is run from.
process.env.SWC_NODE_PROJECT ??= path.resolve(here, '../../tsconfig.base.json');
const require = createRequire(import.meta.url);
require('@swc-node/register');
// The lib's tooling entry (its `@tapes/storage/migrate` alias), by path: only TypeScript sources get aliases.
const { migrateCliMain } = require('../../libs/storage/src/migrate.ts');
process.exitCode = await migrateCliMain(process.argv.slice(2));
