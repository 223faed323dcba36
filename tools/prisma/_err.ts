import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient as PgClient } from '../../libs/storage/src/generated/pg/client';
import { PrismaClient as SqClient } from '../../libs/storage/src/generated/sqlite/client';
import Database from 'better-sqlite3';
import pg from 'pg';
const ADMIN = 'postgresql://postgres@127.0.0.1:55432/postgres';
function dump(label: string, e: any) {
  const chain: any[] = [];
  let c = e; let d = 0;
  while (c && d < 6) { chain.push({ ctor: c.constructor?.name, name: c.name, code: c.code, errorCode: c.errorCode, kind: c.kind ?? c.cause?.kind, meta: c.meta ? JSON.stringify(c.meta).slice(0,300) : undefined, msg: String(c.message).slice(0,160) }); c = c.cause; d++; }
  console.log('###', label, JSON.stringify(chain, null, 1));
}
async function t(label: string, f: () => Promise<unknown>) { try { await f(); console.log('###', label, 'OK'); } catch (e) { dump(label, e); } }
async function main() {
  const pgmk = (url: string, extra: any = {}) => new PgClient({ adapter: new PrismaPg({ connectionString: url, connectionTimeoutMillis: 1000, ...extra }, { onPoolError: () => {}, onConnectionError: () => {} }) });
  const c = pgmk('postgresql://postgres@127.0.0.1:55432/st_probe');
  const admin = new pg.Client({ connectionString: ADMIN }); await admin.connect();
  // pool timeout
  const one = pgmk('postgresql://postgres@127.0.0.1:55432/st_probe', { max: 1 });
  const hold = one.$transaction(async (tx) => { await tx.$executeRawUnsafe('SELECT pg_sleep(1.5)'); }, { timeout: 5000 });
  await new Promise(r => setTimeout(r, 200));
  await t('pool-timeout-query', () => one.$queryRawUnsafe('SELECT 1'));
  await t('pool-timeout-tx', () => one.$transaction(async (tx) => tx.turn.count(), { maxWait: 300 }));
  await hold;
  await t('tx-timeout', () => one.$transaction(async (tx) => { await tx.$executeRawUnsafe('SELECT pg_sleep(0.5)'); await tx.turn.count(); }, { timeout: 200 }));
  // unique + fk
  await c.$executeRawUnsafe(`DELETE FROM turns`);
  const data = { id: 'a', requestId: 'r1', provider: 'x', captureSite: 'proxy', nodeCount: 0, newNodeCount: 0, outcome: 'complete' };
  await c.turn.create({ data });
  await t('unique', () => c.turn.create({ data: { ...data, id: 'b' } }));
  await t('unique-tx', () => c.$transaction(async (tx) => tx.turn.create({ data: { ...data, id: 'c' } })));
  await t('fk-raw', () => c.$executeRawUnsafe(`INSERT INTO nodes (hash, parent_hash, type, role, content, model, provider, created_at) VALUES ('x', 'missing', 't','r','[]','m','p', now())`));
  await t('syntax', () => c.$queryRawUnsafe(`SELEC 1`));
  await admin.end(); await c.$disconnect(); await one.$disconnect();

  // sqlite
  const sq = new SqClient({ adapter: new PrismaBetterSqlite3({ url: '/tmp/st/e.db', timeout: 200 }) });
  await sq.$executeRawUnsafe(`DELETE FROM turns`);
  await sq.turn.create({ data });
  await t('sq-unique', () => sq.turn.create({ data: { ...data, id: 'b' } }));
  await t('sq-unique-tx', () => sq.$transaction(async (tx) => tx.turn.create({ data: { ...data, id: 'c' } })));
  await sq.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  await t('sq-fk-raw', () => sq.$executeRawUnsafe(`INSERT INTO nodes (hash, parent_hash, type, role, content, model, provider, created_at) VALUES ('x', 'missing', 't','r','[]','m','p', 'x')`));
  const other = new Database('/tmp/st/e.db'); other.exec('BEGIN IMMEDIATE');
  await t('sq-busy-write', () => sq.turn.create({ data: { ...data, id: 'd', requestId: 'r2' } }));
  await t('sq-busy-tx', () => sq.$transaction(async (tx) => tx.turn.create({ data: { ...data, id: 'e', requestId: 'r3' } })));
  await t('sq-busy-raw', () => sq.$executeRawUnsafe(`UPDATE turns SET provider='y'`));
  other.exec('ROLLBACK'); other.close();
  await t('sq-ok', () => sq.turn.count());
  await sq.$disconnect();
  await t('sq-after-disconnect', () => sq.turn.count());
  const ro = new SqClient({ adapter: new PrismaBetterSqlite3({ url: '/nonexistent/dir/x.db' }) });
  await t('sq-cantopen', () => ro.turn.count());
}
main().then(() => process.exit(0), e => { console.error('FATAL', e); process.exit(1); });
