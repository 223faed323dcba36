import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeCapturedTurn, sessionIdOf, toTurnRecord, type CapturedTurn, type Reducer } from '@tapes/capture';
import { backfillSessions, type TurnStore } from '@tapes/storage';
import { loadReducers } from '../capture/reducer-source';
import { openTurnStore, type StoreLog } from './open-turn-store';
import { WORKER_METHODS, toWire, type FromWorker, type RecordReply, type RecordSummary, type StorageWorkerData, type ToWorker } from './storage-worker-protocol';

/**
 * The storage thread: owns the real TurnStore, turns captured turns into records (decode, reduce,
 * parse, hash: the shared `toTurnRecord`) and answers the main thread's calls. This work runs here,
 * not beside forwarding, because it costs the calling thread milliseconds — decoding and reducing
 * a stream, parsing and hashing a long conversation (~3 ms for a 150 KB Claude Code request),
 * Prisma's query planning, and with the embedded SQLite (better-sqlite3 is synchronous) the
 * commit's fsync — and the proxy's event loop must never stall a stream for it.
 *
 * The reducers are built here from the same source as the app's (`ReducerSource`), so an injected
 * custom reducer reads its turns here too.
 */
export function runStorageWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runStorageWorker must run in a worker thread');
  const data = workerData as StorageWorkerData;
  const post = (message: FromWorker): void => port.postMessage(message);
  lowerThreadPriority();
  const log: StoreLog = {
    debug: (fields, message) => post({ type: 'log', level: 'debug', fields, message }),
    info: (fields, message) => post({ type: 'log', level: 'info', fields, message }),
    warn: (fields, message) => post({ type: 'log', level: 'warn', fields, message }),
    error: (fields, message) => post({ type: 'log', level: 'error', fields, message }),
  };

  let store: TurnStore | undefined;
  const reducers = loadReducers(data.reducers);
  const recordTurn = async (opened: TurnStore, turn: CapturedTurn): Promise<RecordReply> => {
    const { record } = await toTurnRecord(turn, { reducers, project: data.project, maxDecodedBytes: data.maxDecodedBytes, scrubBodySecrets: data.scrubBodySecrets });
    const summary: RecordSummary = { outcome: record.outcome, agentName: turn.agentName, model: record.model, usage: record.usage, sessionId: sessionIdOf(record), threadId: record.session?.threadId };
    try {
      return { summary, stored: await opened.storeTurn(record) };
    } catch (err) {
      return { summary, error: toWire(err) };
    }
  };
  const pending: ToWorker[] = [];
  const stopping = new AbortController();
  const answer = async (call: ToWorker): Promise<void> => {
    if (!store) return;
    if (call.method === 'close') stopping.abort();
    try {
      if (!(WORKER_METHODS as readonly string[]).includes(call.method)) throw new Error(`unknown storage method ${call.method}`);
      const value =
        call.method === 'recordTurn'
          ? await recordTurn(store, call.args[0] as CapturedTurn)
          : call.method === 'recordEncodedTurn'
            ? await recordTurn(store, decodeCapturedTurn(asBuffer(call.args[0] as Uint8Array)))
            : await (store[call.method] as (...args: unknown[]) => Promise<unknown>).apply(store, call.args);
      post({ type: 'reply', id: call.id, ok: true, value });
      if (call.method === 'close') port.close();
    } catch (err) {
      post({ type: 'reply', id: call.id, ok: false, error: toWire(err) });
    }
  };
  port.on('message', (call: ToWorker) => {
    if (store) void answer(call);
    else pending.push(call);
  });

  openTurnStore({ url: data.url, dataDir: data.dataDir }, log).then(
    (opened) => {
      store = opened;
      post({ type: 'ready', backend: opened.backend });
      for (const call of pending.splice(0)) void answer(call);
      void backfill(opened, reducers, stopping.signal, log);
    },
    (err: unknown) => {
      post({ type: 'fatal', error: toWire(err) });
      port.close();
    },
  );
}

/**
 * Turns stored before sessions existed get theirs (#14), here in the storage thread, beside new
 * turns and never ahead of them on the forwarding thread; one line says what it did.
 */
async function backfill(store: TurnStore, reducers: readonly Reducer[], signal: AbortSignal, log: StoreLog): Promise<void> {
  try {
    const report = await backfillSessions(store, reducers, { signal });
    if (report.backfilled > 0 || report.failed > 0) log.info({ ...report }, `sessions backfilled for ${report.backfilled} turns stored before sessions existed`);
  } catch (err) {
    // Storage away or closing: the rest is done at the next start.
    if (!signal.aborted) log.warn({ err: err instanceof Error ? err.message : String(err) }, 'session backfill stopped; it goes on at the next start');
  }
}

/** A Buffer arrives from the main thread as a plain Uint8Array (structured clone). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Storing is background work: on a busy machine the forwarding thread (and the agent's own
 * processes) should get the CPU first, and turns wait in the byte-bounded queue instead. Linux
 * applies `setpriority` to a single thread when given its thread id (found via
 * /proc/thread-self); elsewhere this is skipped and the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, os.constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // not Linux, or not permitted: run at normal priority
  }
}
