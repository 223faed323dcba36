import { createDefaultReducers } from '@tapes/capture';
import { TapesError } from '@tapes/nest-kit';
import { ReadService } from '@tapes/read-api';
import type { TurnStore } from '@tapes/storage';
import { CliError, EXIT } from '../exit-codes';
import type { SearchQuery, SessionsQuery, Source } from './source';

type SessionsInput = Parameters<ReadService['sessions']>[0];
type SearchInput = Parameters<ReadService['search']>[0];

/**
 * The local store read through the read API's own service (ReadService, constructed without Nest):
 * the JSON is made by the same functions that answer `GET /_tapes/v1/…`, so local and remote output
 * cannot drift apart.
 */
export class LocalSource implements Source {
  private readonly read: ReadService;

  constructor(
    private readonly store: TurnStore,
    readonly description: string,
  ) {
    this.read = new ReadService(store, createDefaultReducers());
  }

  sessions(query: SessionsQuery) {
    return this.guard(() => this.read.sessions(definedOnly(query) as SessionsInput));
  }

  session(id: string) {
    return this.guard(() => this.read.session(id));
  }

  turn(id: string, options: { bodies?: boolean } = {}) {
    return this.guard(() => this.read.turn(id, options.bodies === true));
  }

  search(query: SearchQuery) {
    return this.guard(() => this.read.search(definedOnly(query) as SearchInput));
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async guard<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof TapesError)) throw err;
      if (err.code === 'not_found') throw new CliError(EXIT.notFound, err.message, { cause: err });
      if (err.code === 'storage_unavailable') throw new CliError(EXIT.unavailable, `${this.description} is unavailable: ${describeCause(err)}`, { cause: err, hint: 'run `tapes doctor`' });
      if (err.code === 'invalid_cursor' || err.code === 'invalid_parameter') throw new CliError(EXIT.usage, err.message, { cause: err });
      throw err;
    }
  }
}

function describeCause(err: Error): string {
  return err.cause instanceof Error ? err.cause.message : err.message;
}

/** The read service treats a present-but-undefined key like a given one; drop them. */
function definedOnly<T extends object>(query: T): Partial<T> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Partial<T>;
}
