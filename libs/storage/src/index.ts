export { openStorage } from './lib/open-storage';
export type { OpenStorageOptions } from './lib/open-storage';
export type { StorageLogger } from './lib/prisma-turn-store';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './lib/turn-store';
export type {
  TurnStore,
  TokenCounts,
  SessionRow,
  SessionSort,
  SessionQuery,
  TurnSummary,
  SearchHit,
  Stats,
  StatsRow,
  StoreResult,
  StoredNode,
  StoredTurn,
  AncestryResult,
  AncestryOptions,
  ListOptions,
  ListTurnIdsOptions,
  Page,
  GetTurnOptions,
} from './lib/turn-store';
export type { RederiveResult, DerivationFacts } from './lib/turn-rederive';
export { storedTurnToCaptured } from './lib/stored-turn-capture';
export { backfillSessions, rederiveStoredTurn, type SessionBackfillReport } from './lib/session-backfill';
export {
  StorageError,
  InvalidTurnError,
  StorageUnavailableError,
  InvalidCursorError,
  MigrationError,
} from './lib/errors';
export type { InvalidTurnCode, UnavailableReason, MigrationErrorCode } from './lib/errors';
export { TURN_LIMITS } from './lib/validate-turn';
export type { TurnLimits } from './lib/validate-turn';
export { resolveStorageTarget, DEFAULT_DATA_DIR, DEFAULT_SQLITE_FILE } from './lib/storage-target';
export { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './lib/private-files';
export type { Backend, StorageTarget } from './lib/storage-target';
// Migrations at run time (the plain runner; no wasm). The engine-backed commands (status with
// Prisma's diagnosis, diff, create) live in lib/migrations/migrate.ts for tools/prisma/migrate.mjs.
export { migrateDeploy, migrationHistory } from './lib/migrations/deploy';
export type { MigrateCommandOptions } from './lib/migrations/deploy';
export type { MigrationHistory, DeployResult } from './lib/migrations/migration-runner';
