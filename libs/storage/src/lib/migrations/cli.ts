/* eslint-disable no-console -- the migration command line: its output is what the user reads */
import { parseArgs } from 'node:util';
import {
  createMigration,
  migrateDeploy,
  migrateDeployWithEngine,
  migrateDiff,
  migrateStatus,
} from './migrate';
import { StorageError } from '../errors';
import { redactUrl, resolveStorageTarget, type Backend } from '../storage-target';

const HELP = `Usage: node tools/prisma/migrate.mjs <command> [options]

Commands
  status  --db <db>                 Compare the database's _prisma_migrations with the migrations folder
                                    (the runner's view and Prisma's own diagnosis). Exit 1 when anything
                                    is unapplied, failed or edited.
  deploy  --db <db> [--engine e]    Apply pending migrations. --engine runner (default) is what the apps
                                    run at start-up (advisory-locked on PostgreSQL); --engine wasm runs
                                    Prisma's engine (prisma migrate deploy) instead.
  diff    --schema <s> [--db <pg>]  Print the SQL from the migrations folder to schema.prisma (the next
          [--name <x>]              migration). With --name, write it to
                                    migrations/<yyyymmddhhmmss>_<x>/migration.sql (nothing if empty).
                                    --from-empty: diff from an empty database instead.
  check   [--schema <s>] [--db <pg>]  Exit 2 when a schema and its migrations folder differ (drift).
                                    Without --schema: both (pg needs --db or TAPES_TEST_PG_URL).

Options
  --db <db>        postgresql://… URL, or a SQLite file path (file:… accepted). For diff/check on pg: a
                   server where the user may CREATE DATABASE (the shadow database is made and dropped).
  --schema <s>     sqlite | pg (default: from --db)
  --prisma-dir <d> the folder holding sqlite/ and pg/ (default libs/storage/prisma)
  --json           machine-readable output (status, deploy)

The native Prisma schema engine cannot be downloaded here; this drives @prisma/schema-engine-wasm
through the driver adapters (stack-notes §1.3). Never use \`prisma migrate\` with
PRISMA_SCHEMA_ENGINE_BINARY=/bin/true: it silently does nothing.`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        schema: { type: 'string' },
        name: { type: 'string' },
        engine: { type: 'string', default: 'runner' },
        'prisma-dir': { type: 'string' },
        'from-empty': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 64;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? console.log : console.error)(HELP);
    return values.help ? 0 : 64;
  }
  const prismaDir = values['prisma-dir'];
  try {
    switch (command) {
      case 'status': {
        const target = resolveStorageTarget(required(values.db, '--db'));
        const status = await migrateStatus(target, { prismaDir });
        if (values.json) console.log(JSON.stringify(status, null, 2));
        else {
          const h = status.history;
          console.log(`database: ${target.backend === 'postgresql' ? redactUrl(target.url) : target.file}`);
          console.log(`applied:   ${list(h.applied)}`);
          console.log(`unapplied: ${list(h.unapplied)}`);
          console.log(`failed:    ${list(h.failed)}`);
          console.log(`edited:    ${list(h.edited)}`);
          if (h.unknown.length) console.log(`not in the folder: ${list(h.unknown)}`);
          console.log(`prisma:    ${JSON.stringify(status.prisma)}`);
          console.log(status.upToDate ? 'Database schema is up to date.' : 'Database schema is NOT up to date.');
        }
        return status.upToDate ? 0 : 1;
      }
      case 'deploy': {
        const target = resolveStorageTarget(required(values.db, '--db'));
        if (values.engine !== 'runner' && values.engine !== 'wasm') throw new UsageError('--engine must be runner or wasm');
        const logger = { info: () => undefined, warn: (f: object, m: string) => console.warn(m, JSON.stringify(f)) };
        const applied =
          values.engine === 'wasm'
            ? await migrateDeployWithEngine(target, { prismaDir })
            : (await migrateDeploy(target, { prismaDir, logger })).applied;
        if (values.json) console.log(JSON.stringify({ applied }));
        else console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
        return 0;
      }
      case 'diff': {
        const backend = backendOf(values.schema, values.db);
        const options = { prismaDir, shadowUrl: values.db, fromEmpty: values['from-empty'] };
        if (values.name) {
          if (values['from-empty']) throw new UsageError('--name and --from-empty do not go together');
          const created = await createMigration(backend, values.name, options);
          console.log(created ? `Wrote ${created.file}` : 'No schema change: nothing written.');
        } else {
          const sql = await migrateDiff(backend, options);
          process.stdout.write(sql === '' ? '-- This is an empty migration.\n' : sql);
        }
        return 0;
      }
      case 'check': {
        const backends: Backend[] = values.schema ? [backendOf(values.schema, values.db)] : ['sqlite', 'postgresql'];
        const pgUrl = values.db ?? process.env['TAPES_TEST_PG_URL'];
        let drift = false;
        for (const backend of backends) {
          const sql = await migrateDiff(backend, { prismaDir, shadowUrl: pgUrl });
          if (sql === '') console.log(`${backend}: migrations match the schema.`);
          else {
            drift = true;
            console.error(`${backend}: schema.prisma differs from its migrations; the missing migration is:\n${sql}`);
          }
        }
        return drift ? 2 : 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${HELP}`);
      return 64;
    }
    if (error instanceof StorageError) {
      console.error(`error [${error.code}]: ${error.message}`);
      return 1;
    }
    // Driver errors (unreachable server, missing database…): the message says it; DEBUG=1 for the stack.
    const code = (error as { code?: unknown }).code;
    console.error(`error${typeof code === 'string' ? ` [${code}]` : ''}: ${(error as Error).message ?? String(error)}`);
    if (process.env['DEBUG']) console.error(error);
    return 1;
  }
}

class UsageError extends Error {}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

function backendOf(schema: string | undefined, db: string | undefined): Backend {
  if (schema === 'pg' || schema === 'postgresql') return 'postgresql';
  if (schema === 'sqlite') return 'sqlite';
  if (schema) throw new UsageError(`--schema must be sqlite or pg, not "${schema}"`);
  if (db) return resolveStorageTarget(db).backend;
  throw new UsageError('--schema (or --db) is required');
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : '-';
}
