import { STORAGE_WORKER_ROLE } from './worker-role';
import {
  InvalidCursorError,
  InvalidTurnError,
  MigrationError,
  StorageUnavailableError,
  type InvalidTurnCode,
  type MigrationErrorCode,
  type StoreResult,
  type UnavailableReason,
} from '@tapes/storage';
import type { TurnOutcome } from '@tapes/capture';
import type { Usage } from '@tapes/llm';
import type { ReducerSource } from '../capture/reducer-source';

/**
 * What the worker answers: the TurnStore methods (all but `backend`, which `ready` carries), and
 * `recordTurn`, which turns a captured turn into its record (the shared pipeline) and stores it.
 */
export const WORKER_METHODS = [
  'recordTurn',
  'recordEncodedTurn',
  'storeTurn',
  'getNode',
  'ancestry',
  'listNodes',
  'leaves',
  'getTurn',
  'hasTurn',
  'listSessions',
  'getSession',
  'sessionTurns',
  'search',
  'deleteSession',
  'expireSessions',
  'listTurnIds',
  'rederiveTurn',
  'stats',
  'counts',
  'ping',
  'close',
] as const;
export type WorkerMethod = (typeof WORKER_METHODS)[number];

/** What the derivation found, for the per-turn log line and the metrics. */
export interface RecordSummary {
  outcome: TurnOutcome;
  /** The captured turn's agent name (the main thread no longer decodes the turn it journaled). */
  agentName?: string | undefined;
  /** The session the turn is listed under (sessionIdOf), and its thread: for the live views (#15). */
  sessionId?: string | undefined;
  threadId?: string | undefined;
  model?: string | undefined;
  usage?: Usage | undefined;
}

/**
 * `recordTurn`'s answer. Storage errors come back as data, not a rejection, because the outcome
 * of the derivation (complete / partial / unreduced) is known either way.
 */
export type RecordReply = { summary: RecordSummary; stored: StoreResult } | { summary: RecordSummary; error: WireError };

/** What the main thread hands the worker at start. */
export interface StorageWorkerData {
  role: typeof STORAGE_WORKER_ROLE;
  url: string | undefined;
  dataDir: string;
  /** The same reducers the app was given: the worker derives turns with them (functions cannot cross threads, a module path can). */
  reducers: ReducerSource;
  project: string | undefined;
  /** Decoded bytes one body may inflate to (the bomb guard). */
  maxDecodedBytes: number;
  /** TAPES_SCRUB_BODY_SECRETS. */
  scrubBodySecrets: boolean;
}

export type ToWorker = { id: number; method: WorkerMethod; args: unknown[] };

export type FromWorker =
  | { type: 'ready'; backend: 'sqlite' | 'postgresql' }
  | { type: 'fatal'; error: WireError }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError };

/** A storage error as it crosses the thread boundary (structured clone keeps no classes). */
export type WireError =
  | { name: 'StorageUnavailableError'; reason: UnavailableReason; message: string }
  | { name: 'InvalidTurnError'; code: InvalidTurnCode; message: string; field?: string }
  | { name: 'InvalidCursorError'; message: string }
  | { name: 'MigrationError'; code: MigrationErrorCode; message: string; migrations: readonly string[] }
  | { name: 'Error'; message: string; stack?: string };

export function toWire(err: unknown): WireError {
  if (err instanceof StorageUnavailableError) return { name: 'StorageUnavailableError', reason: err.reason, message: err.message };
  if (err instanceof InvalidTurnError) return { name: 'InvalidTurnError', code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
  if (err instanceof InvalidCursorError) return { name: 'InvalidCursorError', message: err.message };
  if (err instanceof MigrationError) return { name: 'MigrationError', code: err.code, message: err.message, migrations: err.migrations };
  if (err instanceof Error) return { name: 'Error', message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}

/** The same error class on this side, so callers branch on `instanceof` as with an in-thread store. */
export function fromWire(wire: WireError): Error {
  switch (wire.name) {
    case 'StorageUnavailableError':
      return new StorageUnavailableError(wire.reason, wire.message);
    case 'InvalidTurnError':
      return new InvalidTurnError(wire.code, wire.message, wire.field);
    case 'InvalidCursorError':
      return new InvalidCursorError(wire.message);
    case 'MigrationError':
      return new MigrationError(wire.code, wire.message, { migrations: wire.migrations });
    case 'Error': {
      const error = new Error(`storage worker: ${wire.message}`);
      if (wire.stack) error.stack = wire.stack;
      return error;
    }
  }
}
