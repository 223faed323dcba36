import { Subject, type Observable } from 'rxjs';

/** A stored turn, announced to the live views (#15): enough to refresh a list or a session. */
export interface TurnStoredEvent {
  session_id: string | null;
  turn_id: string;
  thread_id: string;
  agent: string | null;
  outcome: string;
  at: string;
}

/**
 * The in-process announcement of stored turns: the capture pipeline publishes, the read API's
 * `GET events` streams them as server-sent events. In-process by design: each app announces the
 * turns it stored (several ingest replicas each announce their own).
 */
export class TurnEvents {
  private readonly subject = new Subject<TurnStoredEvent>();

  publish(event: TurnStoredEvent): void {
    this.subject.next(event);
  }

  get stream(): Observable<TurnStoredEvent> {
    return this.subject.asObservable();
  }
}
