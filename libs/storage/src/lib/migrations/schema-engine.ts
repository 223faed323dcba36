import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';
import type {
  DiagnoseMigrationHistoryOutput,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from '@prisma/schema-engine-wasm';
import pg from 'pg';
import { MigrationError } from '../errors';
import type { Backend } from '../storage-target';
import type { MigrationsFolder } from './migration-files';

/**
 * Prisma's schema engine compiled to wasm (`@prisma/schema-engine-wasm`), driven through the driver
 * adapters: the same engine `prisma migrate` runs, without the native binary that cannot be
 * downloaded here (stack-notes §1.3, "Option A"). Used for `diff` (the next migration's SQL, and
 * the no-drift check) and `status`; applying at start-up goes through the plain runner
 * (migration-runner.ts), which writes the same `_prisma_migrations` rows.
 *
 * Pinned to @prisma/schema-engine-wasm 7.10.0-4.0edf323e… with the 7.10.0 adapters. The four shims
 * below work around adapter bugs of that version; re-test them when bumping Prisma.
 */

const FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

type Bindings = typeof import('@prisma/schema-engine-wasm');
type WasmExports = Record<string, unknown>;

/** The global WebAssembly API (no typings: the workspace's lib setting has no DOM/wasm types). */
function wasmApi(): { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }> } {
  return (globalThis as unknown as { WebAssembly: ReturnType<typeof wasmApi> }).WebAssembly;
}
let bindings: Promise<Bindings> | undefined;

/** Instantiates the wasm module once per process (~0.1 s; the module is 5 MB). */
function loadBindings(): Promise<Bindings> {
  bindings ??= (async () => {
    // The wasm's panic hook writes the panic message here; it throws if the registry is missing.
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      message: '',
      set_message(this: { message: string }, m: string) {
        this.message = m;
      },
    };
    // schema_engine.js does `import * as wasm from "./schema_engine_bg.wasm"`, which needs
    // --experimental-wasm-modules; instantiating the module ourselves avoids the flag.
    const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bg = (await import(path.join(dir, 'schema_engine_bg.js'))) as Bindings & {
      __wbg_set_wasm(exports: WasmExports): void;
    };
    // The engine races some operations against timers it never clears (e.g. a 10 s timeout around
    // the PostgreSQL migration advisory lock); unref them so they cannot keep a CLI or test process
    // alive after close(). They still fire if the process is alive anyway.
    const imports: Record<string, unknown> = { ...bg };
    for (const [name, fn] of Object.entries(bg)) {
      if (name.startsWith('__wbg_setTimeout_') && typeof fn === 'function') {
        imports[name] = (...args: unknown[]) => {
          const timer = (fn as (...a: unknown[]) => unknown)(...args);
          (timer as { unref?: () => void } | undefined)?.unref?.();
          return timer;
        };
      }
    }
    const { instance } = await wasmApi().instantiate(fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm')), {
      './schema_engine_bg.js': imports,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports['__wbindgen_start'] as () => void)();
    return bg;
  })();
  return bindings;
}

/** Adapters handed to the engine, so close() can end their pools (an idle pg pool keeps a process alive ~10 s). */
class AdapterTracker {
  private readonly open = new Set<SqlDriverAdapter>();
  track<T extends SqlDriverAdapter>(adapter: T): T {
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => {
      this.open.delete(adapter);
      disposed ??= dispose();
      return disposed;
    };
    this.open.add(adapter);
    return adapter;
  }
  async disposeAll(): Promise<void> {
    await Promise.allSettled([...this.open].map((a) => a.dispose()));
  }
}

interface PgIO {
  performIO(query: SqlQuery): Promise<pg.QueryResult>;
}

/**
 * Shim 1: adapter-pg maps no column type for the catalog type `"char"` (OID 18), which the
 * engine's introspection selects (pg_class.relkind…): every PG `diff` fails with "Column type 'char'
 * could not be deserialized". Report it as text (OID 25). `performIO` is private in the typings
 * but an ordinary method at run time; transactions get the same patch.
 */
function patchCharColumns(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const patchIO = (q: object) => {
    const io = q as unknown as PgIO;
    const performIO = io.performIO.bind(io);
    io.performIO = async (query) => {
      const result = await performIO(query);
      for (const field of result.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
      return result;
    };
  };
  patchIO(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    const tx = await startTransaction(isolationLevel);
    patchIO(tx);
    return tx;
  };
  return adapter;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * PostgreSQL factory for the engine.
 * Shim 2: PrismaPg.connectToShadowDb() spreads its config and sets `database`, but a
 *   `connectionString` overrides it, so the shadow replay ran on the main database; here every pool
 *   gets a URL with the right database in it.
 * Shim 3: its dispose drops the shadow database before ending the pool ("being accessed by other
 *   users", database left behind); here the pool ends first and the drop uses WITH (FORCE).
 */
function pgFactory(url: string, tracker: AdapterTracker): SqlMigrationAwareDriverAdapterFactory {
  const main = new PrismaPg({ connectionString: url, max: 2 });
  return {
    provider: 'postgres',
    adapterName: main.adapterName,
    async connect() {
      return tracker.track(patchCharColumns(await main.connect()));
    },
    async connectToShadowDb() {
      const shadow = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${shadow}"`);
      } finally {
        await admin.end();
      }
      const adapter = await new PrismaPg({ connectionString: withDatabase(url, shadow), max: 2 }).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        const dropper = new pg.Client({ connectionString: url });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${shadow}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      };
      return tracker.track(patchCharColumns(adapter));
    },
  };
}

/**
 * SQLite factory for the engine.
 * Shim 4: the engine replays each migration on the shadow database with executeRaw(whole script),
 *   and better-sqlite3 prepares one statement only ("The supplied SQL string contains more than one
 *   statement", surfacing as "External error id#0"); send argument-less executeRaw calls to
 *   executeScript (db.exec) instead on the shadow adapter.
 */
function sqliteFactory(file: string, tracker: AdapterTracker): SqlMigrationAwareDriverAdapterFactory {
  const factory = new PrismaBetterSqlite3({ url: file });
  return {
    provider: 'sqlite',
    adapterName: factory.adapterName,
    async connect() {
      return tracker.track(await factory.connect());
    },
    async connectToShadowDb() {
      const adapter = await new PrismaBetterSqlite3({ url: ':memory:' }).connect();
      const executeRaw = adapter.executeRaw.bind(adapter);
      adapter.executeRaw = async (query) => {
        if (query.args.length > 0) return executeRaw(query);
        await adapter.executeScript(query.sql);
        return 0;
      };
      return tracker.track(adapter);
    },
  };
}

export interface SchemaEngineOptions {
  backend: Backend;
  /** PostgreSQL URL, or a SQLite file path. For SQLite `diff`, ':memory:' is fine. */
  database: string;
  /** Absolute path of schema.prisma. */
  schemaPath: string;
  migrations: MigrationsFolder;
  /** Receives the engine's log lines (JSON strings). */
  onLog?: (line: string) => void;
}

/** A schema engine bound to one database, one schema file and one migrations folder. */
export class WasmSchemaEngine {
  private constructor(
    private readonly engine: SchemaEngine,
    private readonly tracker: AdapterTracker,
    private readonly options: SchemaEngineOptions,
    private readonly schemaText: string,
  ) {}

  static async open(options: SchemaEngineOptions): Promise<WasmSchemaEngine> {
    const bg = await loadBindings();
    const tracker = new AdapterTracker();
    const factory =
      options.backend === 'postgresql'
        ? pgFactory(options.database, tracker)
        : sqliteFactory(options.database, tracker);
    const schemaText = fs.readFileSync(options.schemaPath, 'utf8');
    try {
      const engine = await bg.SchemaEngine.new(
        { datamodels: [[options.schemaPath, schemaText]] },
        (line: string) => options.onLog?.(line),
        bindMigrationAwareSqlAdapterFactory(factory),
      );
      return new WasmSchemaEngine(engine, tracker, options, schemaText);
    } catch (cause) {
      await tracker.disposeAll();
      throw engineError('cannot start the schema engine', cause);
    }
  }

  private get schema() {
    return { files: [{ path: this.options.schemaPath, content: this.schemaText }] };
  }

  private get migrationsList(): MigrationList {
    const { dir, lockfile, migrations } = this.options.migrations;
    return {
      baseDir: dir,
      lockfile: { path: 'migration_lock.toml', content: lockfile },
      shadowDbInitScript: '',
      migrationDirectories: migrations.map((m) => ({
        path: m.name,
        migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } },
      })),
    };
  }

  /** The SQL that takes an empty database to the schema. */
  async diffFromEmpty(): Promise<string> {
    return this.diff({ tag: 'empty' });
  }

  /**
   * The SQL that takes the migrations folder's end state to the schema: the next migration.
   * Replays the migrations on a shadow database (PostgreSQL: a temporary database on the same
   * server, which needs CREATEDB; SQLite: in memory). Returns '' when there is nothing to do.
   */
  async diffFromMigrations(): Promise<string> {
    return this.diff({ tag: 'migrations', ...this.migrationsList });
  }

  private async diff(from: Parameters<SchemaEngine['diff']>[0]['from']): Promise<string> {
    try {
      const result = await this.engine.diff({
        from,
        to: { tag: 'schemaDatamodel', ...this.schema },
        script: true,
        exitCode: null,
        filters: FILTERS,
      });
      return isEmptyMigration(result.stdout ?? '') ? '' : (result.stdout ?? '');
    } catch (cause) {
      throw engineError('diff failed', cause);
    }
  }

  /** Prisma's own view of the migration history: failed, edited and unapplied migrations. */
  async diagnose(): Promise<DiagnoseMigrationHistoryOutput> {
    try {
      return await this.engine.diagnoseMigrationHistory({
        migrationsList: this.migrationsList,
        optInToShadowDatabase: false,
        filters: FILTERS,
      });
    } catch (cause) {
      throw engineError('diagnoseMigrationHistory failed', cause);
    }
  }

  /** `prisma migrate deploy` itself; kept for cross-checking the runner (tests, `migrate deploy --engine wasm`). */
  async apply(): Promise<string[]> {
    try {
      const out = await this.engine.applyMigrations({ migrationsList: this.migrationsList, filters: FILTERS });
      return out.appliedMigrationNames;
    } catch (cause) {
      throw engineError('applyMigrations failed', cause);
    }
  }

  async close(): Promise<void> {
    try {
      this.engine.free();
    } finally {
      await this.tracker.disposeAll();
    }
  }
}

/** Prisma writes this comment, alone, for a diff with no steps. */
export function isEmptyMigration(sql: string): boolean {
  return sql.replace(/--[^\n]*\n?/g, '').trim() === '';
}

function engineError(what: string, cause: unknown): MigrationError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MigrationError('engine_error', `schema engine: ${what}: ${detail}`, { cause });
}
