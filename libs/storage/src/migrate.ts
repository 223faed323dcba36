// The second public entry of libs/storage, for tooling only: the migration commands that drive
// Prisma's wasm schema engine (status diagnosis, diff, create). Apps use `@tapes/storage`, which
// applies migrations with the plain runner and never loads the engine.
export { main as migrateCliMain } from './lib/migrations/cli';
export { createMigration, migrateDeployWithEngine, migrateDiff, migrateStatus } from './lib/migrations/migrate';
