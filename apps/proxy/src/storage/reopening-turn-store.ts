import { abortableSleep, backoffDelay, type BackoffPolicy } from '@tapes/delivery';
import {
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
import type { TurnRecord } from '@tapes/capture';

/** Each attempt migrates and pings; every 10 s at most keeps that cheap while the database is away. */
const REOPEN_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000 };

export interface ReopeningTurnStoreOptions {
  backend: Backend;
  /** Opens the real store; throws StorageUnavailableError while the database is away. */
  open: () => Promise<TurnStore>;
  /** Why the first open failed (what every call answers until the store opens). */
  initialError: StorageUnavailableError;
  onOpened?: () => void;
  onError?: (err: unknown) => void;
  random?: () => number;
}

/**
 * A store whose database was unreachable when the proxy started. The proxy must start and forward
 * anyway (capture never blocks forwarding), so instead of failing start-up it keeps trying to open
 * the store in the background, with backoff; until then every call throws
 * StorageUnavailableError, which the queue answers by spooling — exactly as for an outage that
 * begins later.
 */
export class ReopeningTurnStore implements TurnStore {
  readonly backend: Backend;
  private store: TurnStore | undefined;
  private lastError: StorageUnavailableError;
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;

  constructor(private readonly options: ReopeningTurnStoreOptions) {
    this.backend = options.backend;
    this.lastError = options.initialError;
    this.loop = this.reopen();
  }

  get opened(): boolean {
    return this.store !== undefined;
  }

  storeTurn(turn: TurnRecord): Promise<StoreResult> {
    return this.current().storeTurn(turn);
  }

  getNode(hash: string): Promise<StoredNode | null> {
    return this.current().getNode(hash);
  }

  ancestry(hash: string, options?: AncestryOptions): Promise<AncestryResult | null> {
    return this.current().ancestry(hash, options);
  }

  listNodes(options?: ListOptions): Promise<Page<StoredNode>> {
    return this.current().listNodes(options);
  }

  leaves(options?: ListOptions): Promise<Page<StoredNode>> {
    return this.current().leaves(options);
  }

  getTurn(idOrRequestId: string, options?: GetTurnOptions): Promise<StoredTurn | null> {
    return this.current().getTurn(idOrRequestId, options);
  }

  hasTurn(requestId: string): Promise<boolean> {
    return this.current().hasTurn(requestId);
  }

  listSessions(query?: SessionQuery): Promise<Page<SessionRow>> {
    return this.current().listSessions(query);
  }

  getSession(id: string): Promise<SessionRow | null> {
    return this.current().getSession(id);
  }

  sessionTurns(id: string): Promise<TurnSummary[]> {
    return this.current().sessionTurns(id);
  }

  search(text: string, options?: { limit?: number; cursor?: string; session?: string }): Promise<Page<SearchHit>> {
    return this.current().search(text, options);
  }

  deleteSession(id: string): Promise<{ turns: number; nodes: number } | null> {
    return this.current().deleteSession(id);
  }

  expireSessions(cutoff: Date, options?: { limit?: number }): Promise<{ sessions: number; turns: number; nodes: number }> {
    return this.current().expireSessions(cutoff, options);
  }

  listTurnIds(options?: ListTurnIdsOptions): Promise<string[]> {
    return this.current().listTurnIds(options);
  }

  rederiveTurn(turnId: string, turn: TurnRecord, options?: { dryRun?: boolean }): Promise<RederiveResult | null> {
    return this.current().rederiveTurn(turnId, turn, options);
  }

  stats(options?: { since?: Date; until?: Date }): Promise<Stats> {
    return this.current().stats(options);
  }

  counts(): Promise<{ nodes: number; turns: number }> {
    return this.current().counts();
  }

  ping(): Promise<void> {
    return this.current().ping();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
    await this.store?.close();
  }

  private current(): TurnStore {
    if (this.store) return this.store;
    throw new StorageUnavailableError(this.stop.signal.aborted ? 'closed' : this.lastError.reason, `storage is not open yet: ${this.lastError.message}`, { cause: this.lastError });
  }

  private async reopen(): Promise<void> {
    for (let attempt = 1; !this.stop.signal.aborted; attempt++) {
      const delay = backoffDelay(attempt, REOPEN_BACKOFF, { random: this.options.random });
      if (!(await abortableSleep(delay, this.stop.signal))) return;
      try {
        const store = await this.options.open();
        if (this.stop.signal.aborted) {
          await store.close();
          return;
        }
        this.store = store;
        this.options.onOpened?.();
        return;
      } catch (err) {
        if (err instanceof StorageUnavailableError) this.lastError = err;
        this.options.onError?.(err);
      }
    }
  }
}
