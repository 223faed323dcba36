import { classifyStorageError, unavailableReason } from './driver-errors';
import { InvalidTurnError, StorageUnavailableError } from './errors';
import { PgConnectionError, PgConnectTimeoutError } from './pg-connection-errors';

/** A Prisma 7 error as the driver adapters produce it (shapes recorded from adapter-pg / -better-sqlite3 7.10). */
function prismaError(code: string, cause: Record<string, unknown>) {
  return Object.assign(new Error('Invalid `prisma.x()` invocation'), {
    code,
    meta: { driverAdapterError: Object.assign(new Error('DriverAdapterError'), { cause }) },
  });
}

describe('classifying driver errors', () => {
  it.each([
    ['connection refused', prismaError('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }), 'unreachable'],
    ['database dropped', prismaError('P2010', { kind: 'DatabaseDoesNotExist', originalCode: '3D000' }), 'unreachable'],
    ['bad password', prismaError('P1000', { kind: 'AuthenticationFailed' }), 'unreachable'],
    ['socket reset', prismaError('P1017', { kind: 'ConnectionClosed' }), 'connection_lost'],
    ['admin shutdown (57P01)', prismaError('P2010', { kind: 'postgres', code: '57P01', severity: 'FATAL' }), 'connection_lost'],
    ['not accepting connections (55000 FATAL)', prismaError('P2039', { kind: 'postgres', code: '55000', severity: 'FATAL' }), 'connection_lost'],
    ['connection failure (08006)', prismaError('P2039', { kind: 'postgres', code: '08006', severity: 'FATAL' }), 'connection_lost'],
    ['cannot connect (08001)', prismaError('P2039', { kind: 'postgres', code: '08001', severity: 'FATAL' }), 'unreachable'],
    ['too many connections', prismaError('P2037', { kind: 'TooManyConnections', cause: 'x' }), 'overloaded'],
    ['disk full (53100)', prismaError('P2010', { kind: 'postgres', code: '53100', severity: 'ERROR' }), 'overloaded'],
    ['deadlock (40P01)', prismaError('P2034', { kind: 'TransactionWriteConflict' }), 'conflict'],
    ['statement timeout (57014)', prismaError('P2010', { kind: 'postgres', code: '57014', severity: 'ERROR' }), 'timeout'],
    ['SQLite busy', prismaError('P1008', { kind: 'SocketTimeout', originalCode: 'SQLITE_BUSY' }), 'timeout'],
    ['SQLite disk I/O error', prismaError('P2010', { kind: 'sqlite', extendedCode: 10 | (4 << 8) }), 'unreachable'],
    ['SQLite disk full', prismaError('P2010', { kind: 'sqlite', extendedCode: 13 }), 'overloaded'],
    ['pool timeout (transaction)', Object.assign(new Error('Unable to start a transaction in the given time.'), { code: 'P2028', meta: {} }), 'timeout'],
    ['pool timeout (PgConnectTimeoutError)', prismaError('P2010', { kind: 'SocketTimeout' }), 'timeout'],
    ['raw ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 }), 'unreachable'],
    ['raw PgConnectTimeoutError', new PgConnectTimeoutError('no connection'), 'timeout'],
    ['raw PgConnectionError', new PgConnectionError('08006', 'lost', { cause: new Error('Connection terminated unexpectedly') }), 'connection_lost'],
    ['wrapped in a cause', new Error('outer', { cause: prismaError('P1001', { kind: 'DatabaseNotReachable' }) }), 'unreachable'],
  ])('%s → %s', (_name, error, reason) => {
    expect(unavailableReason(error)).toBe(reason);
  });

  it.each([
    ['a unique violation', prismaError('P2002', { kind: 'UniqueConstraintViolation', constraint: { index: 'turns_request_id_key' } })],
    ['a foreign key violation', prismaError('P2003', { kind: 'ForeignKeyConstraintViolation' })],
    ['a syntax error', prismaError('P2010', { kind: 'postgres', code: '42601', severity: 'ERROR' })],
    ['an unknown column type', prismaError('P2010', { kind: 'UnsupportedNativeDataType', type: 'void' })],
    ['SQLite corruption', prismaError('P2010', { kind: 'sqlite', extendedCode: 11 })],
    ['a plain bug', new TypeError('x is not a function')],
    ['a message that merely mentions a connection', new Error('Connection terminated unexpectedly')],
  ])('leaves %s alone', async (_name, error) => {
    expect(unavailableReason(error)).toBeNull();
    expect(await classifyStorageError(error, 'postgresql')).toBe(error);
  });

  it('wraps an availability failure, keeping the driver error as cause and naming its codes', async () => {
    const error = prismaError('P2010', { kind: 'postgres', code: '57P01', severity: 'FATAL', originalCode: '57P01' });
    const wrapped = (await classifyStorageError(error, 'postgresql')) as StorageUnavailableError;
    expect(wrapped).toBeInstanceOf(StorageUnavailableError);
    expect(wrapped).toMatchObject({ code: 'storage_unavailable', reason: 'connection_lost' });
    expect(wrapped.cause).toBe(error);
    expect(wrapped.message).toContain('57P01');
  });

  it.each([
    ['a NUL byte in text (22021)', prismaError('P2010', { kind: 'postgres', code: '22021', severity: 'ERROR', message: 'invalid byte sequence for encoding "UTF8": 0x00' })],
    ['a time out of range (22008)', prismaError('P2010', { kind: 'postgres', code: '22008', severity: 'ERROR', message: 'date/time field value out of range' })],
    ['an index row too large (54000)', prismaError('P2010', { kind: 'postgres', code: '54000', severity: 'ERROR', message: 'index row size 3088 exceeds btree version 4 maximum 2704' })],
  ])('turns PostgreSQL refusing the data itself — %s — into an invalid turn, never a retry (#12)', async (_name, error) => {
    expect(unavailableReason(error)).toBeNull();
    const refused = await classifyStorageError(error, 'postgresql');
    expect(refused).toBeInstanceOf(InvalidTurnError);
    expect(refused).toMatchObject({ code: 'refused_by_database', cause: error });
    expect((refused as InvalidTurnError).message).toMatch(/SQLSTATE (22|54)/);
  });

  it('passes storage errors through untouched', async () => {
    const invalid = new InvalidTurnError('invalid_hash', 'bad');
    expect(await classifyStorageError(invalid, 'sqlite')).toBe(invalid);
  });
});
