/**
 * The errors libs/storage throws on purpose. Callers branch on `code` (never on `message`), and a
 * wrapped driver error stays reachable as `cause`. Anything else escaping the repository is a bug.
 */
export abstract class StorageError extends Error {
  abstract readonly code: string;
}

/** Why a turn was refused. Nothing is written when one of these is thrown. */
export type InvalidTurnCode =
  /** A node's hash is not the hash of its bucket under its parent (libs/merkle computeHash). */
  | 'invalid_hash'
  /** Node i's parent_hash is not node i-1's hash (the nodes must be one chain, root first). */
  | 'broken_chain'
  /** The first node's parent is neither null nor a node already stored. */
  | 'missing_parent'
  /** A body, string or list is over its cap (see {@link TURN_LIMITS}). */
  | 'oversize_field'
  /** A field has the wrong shape (type, enum value, empty request id…). */
  | 'invalid_field'
  /** The request id is already stored with different content (#13); the stored turn is kept. */
  | 'request_id_conflict'
  /**
   * The database refused the data itself (PostgreSQL SQLSTATE class 22 "data exception" or 54
   * "program limit exceeded"): a value validation let through. Retrying cannot help (#12).
   */
  | 'refused_by_database';

export class InvalidTurnError extends StorageError {
  override readonly name = 'InvalidTurnError';
  constructor(
    readonly code: InvalidTurnCode,
    message: string,
    /** The offending field, e.g. `nodes[3].hash` or `requestBody`. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What made the database unreachable; for logs and metrics labels, not for control flow. */
export type UnavailableReason =
  /** Connection refused, host not found, TLS or authentication failure at connect time. */
  | 'unreachable'
  /** An open connection was closed or reset, or the server is shutting down / restarting. */
  | 'connection_lost'
  /** No pool connection, lock or transaction slot became free in time (incl. SQLite busy). */
  | 'timeout'
  /** The server lacks resources: too many connections, disk full, out of memory. */
  | 'overloaded'
  /** A serialization failure or deadlock; retrying the same call is expected to succeed. */
  | 'conflict'
  /** The store was closed by its owner. */
  | 'closed';

/**
 * The database cannot be used right now; nothing was written. Retryable: the ingest API answers
 * 503 with Retry-After, the proxy spools the turn. The driver error is kept as `cause`.
 */
export class StorageUnavailableError extends StorageError {
  override readonly name = 'StorageUnavailableError';
  readonly code = 'storage_unavailable' as const;
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A pagination cursor that this store did not produce (the apps answer 400). */
export class InvalidCursorError extends StorageError {
  override readonly name = 'InvalidCursorError';
  readonly code = 'invalid_cursor' as const;
}

export type MigrationErrorCode =
  /** A migration is recorded as failed; nothing more is applied until it is resolved. */
  | 'failed_migrations'
  /** An applied migration's migration.sql changed after it was applied (checksum mismatch). */
  | 'edited_migrations'
  /** A migration's SQL failed; it is now recorded as failed. */
  | 'migration_failed'
  /** Another process held the migration lock for longer than the lock timeout. */
  | 'lock_timeout'
  /** The migrations folder could not be found or read. */
  | 'no_migrations'
  /** The schema engine (wasm) reported an error. */
  | 'engine_error';

export class MigrationError extends StorageError {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: ErrorOptions & { migrations?: readonly string[] },
  ) {
    super(message, options);
    this.migrations = options?.migrations ?? [];
  }
  /** The migrations concerned (failed, edited, or the one that just failed). */
  readonly migrations: readonly string[];
}
