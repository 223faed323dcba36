import { InvalidTurnError, StorageError, StorageUnavailableError, type UnavailableReason } from './errors';
import type { Backend } from './storage-target';

/**
 * Decides whether an error from Prisma / a driver adapter / a driver means "the database cannot be
 * used right now" (→ StorageUnavailableError, retryable, 503) or something else (rethrown as is: a
 * bug or a constraint the caller must hear about). Decided from codes and classes only, never from
 * message text:
 *  - the driver adapter's structured error (`meta.driverAdapterError.cause.kind`, Prisma 7),
 *  - PostgreSQL SQLSTATEs and severities (class 08 connection exceptions, 57P0x shutdown, 53xxx
 *    resources, FATAL), SQLite primary result codes,
 *  - Prisma's own connection error codes (P1001, P1017, P2024, P2028…),
 *  - socket errno codes (ECONNREFUSED…), and PgConnectionError (pg-connection-errors.ts), which
 *    gives pg's message-only failures a SQLSTATE where they happen.
 */
export async function classifyStorageError(error: unknown, backend: Backend): Promise<unknown> {
  if (error instanceof StorageError) return error;
  const reason = unavailableReason(error);
  if (!reason) return dataRefusal(error) ?? error;
  const what = backend === 'postgresql' ? 'PostgreSQL' : 'SQLite';
  return new StorageUnavailableError(reason, `${what} is unavailable (${reason}): ${describe(error)}`, { cause: error });
}

/** The reason when `error` (or anything in its cause chain) is an availability failure. */
export function unavailableReason(error: unknown): UnavailableReason | null {
  for (const e of chain(error)) {
    const reason = fromAdapterKind(e) ?? fromSqlState(e) ?? fromSqlite(e) ?? fromPrismaCode(e) ?? fromSocket(e);
    if (reason) return reason;
  }
  return null;
}

/** The error, its causes, and the driver adapter error Prisma tucks into `meta`. */
function* chain(error: unknown): Generator<Record<string, unknown>> {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    yield e as Record<string, unknown>;
    const r = e as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    if (r.meta && typeof r.meta === 'object') queue.push(r.meta.driverAdapterError);
    queue.push(r.cause);
  }
}

/** @prisma/driver-adapter-utils MappedError kinds. */
function fromAdapterKind(e: Record<string, unknown>): UnavailableReason | null {
  switch (e['kind']) {
    case 'DatabaseNotReachable':
    case 'DatabaseDoesNotExist':
    case 'DatabaseAccessDenied':
    case 'AuthenticationFailed':
    case 'TlsConnectionError':
      return 'unreachable';
    case 'ConnectionClosed':
      return 'connection_lost';
    case 'SocketTimeout': // also what adapter-better-sqlite3 reports for SQLITE_BUSY
      return 'timeout';
    case 'TooManyConnections':
      return 'overloaded';
    case 'TransactionWriteConflict':
      return 'conflict';
    default:
      return null; // 'postgres' / 'sqlite' kinds are read by their codes below
  }
}

/** PostgreSQL SQLSTATE (pg DatabaseError, adapter 'postgres' kind, PgConnectionError). */
function fromSqlState(e: Record<string, unknown>): UnavailableReason | null {
  const code = e['code'];
  const severity = e['severity'];
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || typeof severity !== 'string') return null;
  if (code === '08001' || code === '08004') return 'unreachable'; // cannot establish / rejected
  if (code.startsWith('08')) return 'connection_lost'; // connection exception
  if (code === '57P01' || code === '57P02' || code === '57P03') return 'connection_lost'; // admin/crash shutdown, starting up
  if (code === '53300') return 'overloaded'; // too_many_connections
  if (code.startsWith('53')) return 'overloaded'; // insufficient resources (disk full, out of memory)
  if (code === '40001' || code === '40P01') return 'conflict'; // serialization failure, deadlock
  if (code === '57014' || code === '55P03') return 'timeout'; // statement timeout / lock timeout
  // A FATAL error ends the session: whatever the code (e.g. 55000 "database is not accepting
  // connections", 3D000 after a drop), this connection is gone.
  if (severity === 'FATAL' || severity === 'PANIC') return 'connection_lost';
  return null;
}

/** SQLite primary result codes (adapter 'sqlite' kind carries the extended code). */
function fromSqlite(e: Record<string, unknown>): UnavailableReason | null {
  if (e['kind'] !== 'sqlite' || typeof e['extendedCode'] !== 'number') return null;
  switch (e['extendedCode'] & 0xff) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
      return 'timeout';
    case 10: // SQLITE_IOERR
    case 14: // SQLITE_CANTOPEN
    case 8: // SQLITE_READONLY (e.g. the file's directory became read-only)
      return 'unreachable';
    case 13: // SQLITE_FULL
      return 'overloaded';
    default:
      return null;
  }
}

/** Prisma error codes that mean the database could not be used (https://pris.ly/d/error-reference). */
function fromPrismaCode(e: Record<string, unknown>): UnavailableReason | null {
  const code = typeof e['code'] === 'string' ? e['code'] : typeof e['errorCode'] === 'string' ? e['errorCode'] : null;
  switch (code) {
    case 'P1001': // can't reach database server
    case 'P1003': // database does not exist
    case 'P1010': // access denied
    case 'P1000': // authentication failed
      return 'unreachable';
    case 'P1002': // server reached but timed out
    case 'P1008': // operations timed out
    case 'P2024': // timed out fetching a connection from the pool
    case 'P2028': // transaction API error: could not start in maxWait, or ran past its timeout
      return 'timeout';
    case 'P1017': // server closed the connection
      return 'connection_lost';
    case 'P2037': // too many database connections
      return 'overloaded';
    case 'P2034': // write conflict or deadlock
      return 'conflict';
    default:
      return null;
  }
}

/** Node socket errors (code + syscall), as adapter-pg recognises them. */
function fromSocket(e: Record<string, unknown>): UnavailableReason | null {
  if (typeof e['syscall'] !== 'string') return null;
  switch (e['code']) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return 'unreachable';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection_lost';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return null;
  }
}

/** A one-line description for the error message: the innermost driver code and kind. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (const e of chain(error)) {
    const bits = [e['kind'], e['code'] ?? e['originalCode'], e['errorCode']].filter((x) => typeof x === 'string');
    if (bits.length) parts.push(bits.join(' '));
  }
  const unique = [...new Set(parts)];
  const message = error instanceof Error ? error.message.trim().split('\n').filter(Boolean).pop() ?? '' : String(error);
  return `${unique.join(' / ') || 'no code'}${message ? ` — ${message.slice(0, 300)}` : ''}`;
}

/**
 * PostgreSQL refusing the data itself — SQLSTATE class 22 (data exception: a NUL byte, a value
 * out of range) or 54 (program limit exceeded: an index row too large) — is a turn that cannot
 * be stored as it is, whatever happens to the server: an {@link InvalidTurnError}, which the proxy
 * counts as `storage_reject` at once rather than retrying it ahead of every later turn, and ingest
 * answers 422 (#12). Validation should have caught it; this is the net under it.
 */
export function dataRefusal(error: unknown): InvalidTurnError | undefined {
  for (const e of chain(error)) {
    const code = e['code'];
    // The adapter's `{ kind: 'postgres', code, severity }`, or node-postgres's own error (code + severity).
    if (typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code) && (e['kind'] === 'postgres' || typeof e['severity'] === 'string')) {
      return new InvalidTurnError('refused_by_database', `the database refused the turn's data (SQLSTATE ${code}): ${String(e['message'] ?? '')}`, undefined, { cause: error });
    }
  }
  return undefined;
}
