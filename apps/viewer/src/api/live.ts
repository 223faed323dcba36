import { apiUrl } from './client';
import type { TurnStoredEvent } from './types';

export type LiveState = 'connecting' | 'live' | 'offline';
type TurnListener = (event: TurnStoredEvent) => void;
type StateListener = (state: LiveState) => void;

const MAX_BACKOFF_MS = 30_000;

/**
 * The read API's event stream (`GET events`: `turn` when a turn is stored, `ping` every 15 s), one
 * per page however many views listen. EventSource retries a dropped connection by itself; when it
 * gives up (the server answered an error, e.g. while restarting) this reconnects with backoff, so
 * a page left open keeps updating across proxy restarts.
 */
export class LiveEvents {
  private source: EventSource | undefined;
  private readonly turns = new Set<TurnListener>();
  private readonly states = new Set<StateListener>();
  private retry: ReturnType<typeof setTimeout> | undefined;
  private backoff = 1_000;
  state: LiveState = 'connecting';

  onTurn(listener: TurnListener): () => void {
    this.turns.add(listener);
    this.ensure();
    return () => this.turns.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.states.add(listener);
    listener(this.state);
    this.ensure();
    return () => this.states.delete(listener);
  }

  private ensure(): void {
    if (this.source || this.retry || typeof EventSource === 'undefined') return;
    const source = new EventSource(apiUrl('events'), { withCredentials: true });
    this.source = source;
    this.setState('connecting');
    source.onopen = () => {
      this.backoff = 1_000;
      this.setState('live');
    };
    source.addEventListener('turn', (message) => {
      let event: TurnStoredEvent;
      try {
        event = JSON.parse((message as MessageEvent<string>).data) as TurnStoredEvent;
      } catch {
        return;
      }
      for (const listener of this.turns) listener(event);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CONNECTING) {
        this.setState('connecting');
        return;
      }
      // CLOSED: EventSource will not try again by itself.
      source.close();
      this.source = undefined;
      this.setState('offline');
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.ensure();
      }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    };
  }

  private setState(state: LiveState): void {
    this.state = state;
    for (const listener of this.states) listener(state);
  }
}

export const live = new LiveEvents();
