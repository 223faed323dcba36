import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { backoffDelay } from '@tapes/delivery';
import {
  resolveStorageTarget,
  StorageUnavailableError,
  type AncestryOptions,
  type AncestryResult,
  type Backend,
  type GetTurnOptions,
  type ListOptions,
  type ListTurnIdsOptions,
  type Page,
  type StoredNode,
  type StoredTurn,
  type StoreResult,
  type TurnStore,
  type SessionQuery,
  type SessionRow,
  type TurnSummary,
  type SearchHit,
  type Stats,
  type RederiveResult,
} from '@tapes/storage';
import type { CapturedTurn, TurnRecord } from '@tapes/capture';
import type { StoreLog } from './open-turn-store';
import { STORAGE_WORKER_ROLE } from './worker-role';
import { fromWire, type FromWorker, type RecordReply, type StorageWorkerData, type ToWorker, type RecordSummary, type WorkerMethod } from './storage-worker-protocol';

/** What recording a captured turn came to: stored, or refused with the store's error (same classes as in-thread). */
export type RecordedTurn = { summary: RecordSummary; stored: StoreResult } | { summary: RecordSummary; error: Error };

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const RESPAWN_BACKOFF = { initialMs: 500, maxMs: 30_000 };

/**
 * The storage thread's heap. Left to V8's defaults it grows by ~150 MB over a few thousand turns
 * before collecting (tools/bench/proxy.bench.ts, memory phase); a smaller young generation and a
 * capped old one keep it collecting early. Bodies cross as ArrayBuffers, which live outside these
 * limits; a turn whose nodes alone outgrow them kills the worker, and the delivery kit gives such a
 * turn a bounded number of tries (`TurnDelivery`'s poison budget).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 8 };

/** The storage worker died while the call was in flight (a crash, or a turn that exhausted its heap). */
export class StorageWorkerExitError extends StorageUnavailableError {
  constructor(code: number) {
    super('connection_lost', `the storage worker exited (code ${code})`);
  }
}

/**
 * The proxy's TurnStore: a stand-in on the main thread for the real store, which lives in a
 * storage worker thread (see `storage-worker.ts` for why). Every call crosses to the worker and
 * back; storage errors come back as the same classes, so callers cannot tell the difference.
 *
 * If the worker dies, calls in flight fail with {@link StorageWorkerExitError}, calls until its
 * replacement is up fail as unavailable (their turns wait in the journal), and a new worker is
 * started with backoff.
 */
export class WorkerTurnStore implements TurnStore {
  private worker!: Worker;
  /** False between a worker's unexpected exit and its replacement: calls fail at once rather than wait for an answer that never comes. */
  private alive = false;
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  private closing = false;
  private respawns = 0;

  private constructor(
    readonly backend: Backend,
    private readonly data: StorageWorkerData,
    private readonly log: StoreLog,
  ) {
    this.opened = new Promise<void>((resolve, reject) => (this.settleOpened = { resolve, reject }));
    this.opened.catch(() => undefined); // read by whoever waits for it; never unhandled
  }

  /**
   * Starts the worker and returns at once (#17: start-up ≤ 1 s to listening): the worker loads and
   * opens (migrates) its store while the app starts, and calls made meanwhile wait in the worker
   * until it has (turns are journaled first, so none waits in memory for it). {@link opened} says
   * when it has, or rejects when the store cannot open for a reason an operator must fix (a failed
   * or edited migration history, a bad URL; an unreachable database is retried instead).
   */
  static start(options: Omit<StorageWorkerData, 'role'>, log: StoreLog): WorkerTurnStore {
    const data: StorageWorkerData = { role: STORAGE_WORKER_ROLE, ...options };
    const store = new WorkerTurnStore(resolveStorageTarget(options.url, options.dataDir).backend, data, log);
    store.attach(createWorker(data));
    return store;
  }

  /** Resolves once the first worker has opened the store; rejects with why it could not. */
  readonly opened: Promise<void>;
  private settleOpened: { resolve: () => void; reject: (err: Error) => void } | undefined;

  /**
   * Turns a captured turn into its record and stores it, in the worker. Rejects only when the
   * worker itself is gone ({@link StorageWorkerExitError}) or the store is closed.
   */
  async recordTurn(turn: CapturedTurn): Promise<RecordedTurn> {
    const reply = await this.call<RecordReply>('recordTurn', [turn]);
    return 'stored' in reply ? reply : { summary: reply.summary, error: fromWire(reply.error) };
  }

  /**
   * {@link recordTurn} for a turn as the journal holds it (`encodeCapturedTurn`): the worker
   * decodes it, so the forwarding thread never does (#17).
   */
  async recordEncodedTurn(encoded: Buffer): Promise<RecordedTurn> {
    const reply = await this.call<RecordReply>('recordEncodedTurn', [encoded]);
    return 'stored' in reply ? reply : { summary: reply.summary, error: fromWire(reply.error) };
  }

  storeTurn(turn: TurnRecord): Promise<StoreResult> {
    return this.call('storeTurn', [turn]);
  }

  getNode(hash: string): Promise<StoredNode | null> {
    return this.call('getNode', [hash]);
  }

  ancestry(hash: string, options?: AncestryOptions): Promise<AncestryResult | null> {
    return this.call('ancestry', [hash, options]);
  }

  listNodes(options?: ListOptions): Promise<Page<StoredNode>> {
    return this.call('listNodes', [options]);
  }

  leaves(options?: ListOptions): Promise<Page<StoredNode>> {
    return this.call('leaves', [options]);
  }

  getTurn(idOrRequestId: string, options?: GetTurnOptions): Promise<StoredTurn | null> {
    return this.call('getTurn', [idOrRequestId, options]);
  }

  hasTurn(requestId: string): Promise<boolean> {
    return this.call('hasTurn', [requestId]);
  }

  listSessions(query?: SessionQuery): Promise<Page<SessionRow>> {
    return this.call('listSessions', [query]);
  }

  getSession(id: string): Promise<SessionRow | null> {
    return this.call('getSession', [id]);
  }

  sessionTurns(id: string): Promise<TurnSummary[]> {
    return this.call('sessionTurns', [id]);
  }

  search(text: string, options?: { limit?: number; cursor?: string; session?: string }): Promise<Page<SearchHit>> {
    return this.call('search', [text, options]);
  }

  deleteSession(id: string): Promise<{ turns: number; nodes: number } | null> {
    return this.call('deleteSession', [id]);
  }

  expireSessions(cutoff: Date, options?: { limit?: number }): Promise<{ sessions: number; turns: number; nodes: number }> {
    return this.call('expireSessions', [cutoff, options]);
  }

  listTurnIds(options?: ListTurnIdsOptions): Promise<string[]> {
    return this.call('listTurnIds', [options]);
  }

  rederiveTurn(turnId: string, turn: TurnRecord, options?: { dryRun?: boolean }): Promise<RederiveResult | null> {
    return this.call('rederiveTurn', [turnId, turn, options]);
  }

  stats(options?: { since?: Date; until?: Date }): Promise<Stats> {
    return this.call('stats', [options]);
  }

  counts(): Promise<{ nodes: number; turns: number }> {
    return this.call('counts', []);
  }

  ping(): Promise<void> {
    return this.call('ping', []);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    const closed = this.call<void>('close', []);
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    try {
      await closed;
    } finally {
      await exited;
    }
  }

  private call<T>(method: WorkerMethod, args: unknown[]): Promise<T> {
    if (this.closing) return Promise.reject(new StorageUnavailableError('closed', 'the store is closed'));
    if (!this.alive) return Promise.reject(new StorageUnavailableError('connection_lost', 'the storage worker is restarting'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies ToWorker);
    });
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    this.alive = true;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'log') return this.log[message.level](message.fields, message.message);
      if (message.type === 'ready') {
        this.settleOpened?.resolve();
        this.settleOpened = undefined;
        return;
      }
      if (message.type === 'fatal') {
        const opening = this.settleOpened;
        this.settleOpened = undefined;
        if (opening) return opening.reject(fromWire(message.error));
        return this.log.error({ detail: fromWire(message.error).message }, 'the restarted storage worker could not open storage');
      }
      if (message.type !== 'reply') return;
      const call = this.calls.get(message.id);
      if (!call) return;
      this.calls.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else call.reject(fromWire(message.error));
    });
    worker.on('error', (err) => this.log.error({ detail: err.message }, 'the storage worker failed'));
    worker.on('exit', (code) => {
      this.alive = false;
      for (const call of this.calls.values()) call.reject(new StorageWorkerExitError(code));
      this.calls.clear();
      if (!this.closing) this.respawn(code);
    });
  }

  private respawn(code: number): void {
    this.respawns += 1;
    const delay = backoffDelay(this.respawns, RESPAWN_BACKOFF);
    this.log.error({ code, respawnInMs: delay }, 'the storage worker exited unexpectedly; turns wait in the journal until a new one is up');
    // Until the new worker is attached, calls go to the dead one and fail as unavailable.
    setTimeout(() => {
      if (this.closing) return;
      const worker = createWorker(this.data);
      this.attach(worker);
      worker.once('message', (message: FromWorker) => {
        if (message.type === 'ready') this.respawns = 0;
      });
    }, delay).unref();
  }
}

/**
 * The bundle (dist/apps/proxy/main.js) is its own worker entry: main.ts loads only the storage
 * worker's code when started as one. From TypeScript (tests, the benchmark) the worker loads the .ts entry
 * through @swc-node/register with the workspace's path aliases.
 */
function createWorker(data: StorageWorkerData): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(__filename, { workerData: data, resourceLimits: WORKER_LIMITS });
  return new Worker(path.join(__dirname, 'storage-worker.entry.ts'), {
    workerData: data,
    resourceLimits: WORKER_LIMITS,
    execArgv: ['--require', '@swc-node/register'],
    env: { ...process.env, SWC_NODE_PROJECT: workspaceTsconfig() },
  });
}

function workspaceTsconfig(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'tsconfig.base.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('tsconfig.base.json not found above the storage worker');
}
