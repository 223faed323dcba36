import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../storage-target';
import { MigrationError } from '../errors';

/** One `migrations/<name>/migration.sql` folder. */
export interface MigrationFile {
  /** The folder name, e.g. `20250101000000_init`; migrations apply in name order. */
  name: string;
  sql: string;
  /** SHA-256 hex of migration.sql's bytes: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string;
}

export interface MigrationsFolder {
  /** Absolute path of the `migrations` folder. */
  dir: string;
  /** Content of migration_lock.toml, or null when absent. */
  lockfile: string | null;
  migrations: MigrationFile[];
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The folder names Prisma accepts as migrations: anything with a migration.sql inside. */
export function readMigrationsFolder(dir: string): MigrationsFolder {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    throw new MigrationError('no_migrations', `cannot read the migrations folder ${dir}`, { cause });
  }
  const migrations: MigrationFile[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => cmp(a.name, b.name))) {
    const file = path.join(dir, entry.name, 'migration.sql');
    if (!fs.existsSync(file)) continue;
    const bytes = fs.readFileSync(file);
    migrations.push({ name: entry.name, sql: bytes.toString('utf8'), checksum: sha256Hex(bytes) });
  }
  const lockPath = path.join(dir, 'migration_lock.toml');
  const lockfile = fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null;
  return { dir, lockfile, migrations };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The folder (`prisma/<sqlite|pg>`) of a backend inside libs/storage. */
export function prismaFolderName(backend: Backend): 'sqlite' | 'pg' {
  return backend === 'postgresql' ? 'pg' : 'sqlite';
}

/**
 * Finds the `prisma/<sqlite|pg>` folder (schema.prisma + migrations/) of a backend. Tried in order:
 *  1. `override` (openStorage's `migrationsDir` points at the parent of `sqlite/` and `pg/`);
 *  2. env `TAPES_PRISMA_DIR` (same meaning), for bundled apps whose build copies the folder;
 *  3. the source tree (`libs/storage/prisma`, relative to this file), for tests, tools and `nx serve`;
 *  4. `prisma/` next to the running script (`dist/apps/<app>/prisma` when the app build copies it).
 */
export function resolvePrismaDir(backend: Backend, override?: string): string {
  const sub = prismaFolderName(backend);
  const candidates = [
    override,
    process.env['TAPES_PRISMA_DIR'],
    path.resolve(__dirname, '../../../prisma'),
    process.argv[1] ? path.resolve(path.dirname(process.argv[1]), 'prisma') : undefined,
  ].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    if (fs.existsSync(path.join(candidate, sub, 'migrations'))) return path.join(candidate, sub);
  }
  throw new MigrationError(
    'no_migrations',
    `no ${sub}/migrations folder found; tried: ${candidates.join(', ')} (set TAPES_PRISMA_DIR to the folder holding sqlite/ and pg/)`,
  );
}

export interface PrismaFiles {
  /** Absolute path of `prisma/<sqlite|pg>` in libs/storage (or wherever the app copied it). */
  dir: string;
  schemaPath: string;
  migrationsDir: string;
}

/** Locates a backend's schema and migrations (see {@link resolvePrismaDir} for the search order). */
export function prismaFiles(backend: Backend, prismaDir?: string): PrismaFiles {
  const dir = resolvePrismaDir(backend, prismaDir);
  return { dir, schemaPath: path.join(dir, 'schema.prisma'), migrationsDir: path.join(dir, 'migrations') };
}
