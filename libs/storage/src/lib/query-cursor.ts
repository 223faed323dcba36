import { InvalidCursorError } from './errors';

/**
 * A keyset position for the session and search lists: the sort it belongs to, the last item's sort
 * key and id (or an offset, for relevance-ranked search). base64url of a small JSON object; opaque
 * to callers, refused with InvalidCursorError when it was not produced for this list.
 */
export interface QueryCursor {
  /** Which list and order it belongs to (`sessions:start`, `search`). */
  s: string;
  /** The last item's sort key (a timestamp, a number) or the offset reached. */
  k: string | number | null;
  /** The last item's id (ties broken by id). */
  i: string;
}

export function encodeQueryCursor(cursor: QueryCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeQueryCursor(text: string, list: string): QueryCursor {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('invalid cursor: not base64url');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('invalid cursor: not a cursor');
  }
  const c = value as Partial<QueryCursor> | null;
  if (!c || typeof c !== 'object' || c.s !== list || typeof c.i !== 'string' || !(c.k === null || typeof c.k === 'string' || typeof c.k === 'number')) {
    throw new InvalidCursorError(`invalid cursor: not a cursor of this list (${list})`);
  }
  return { s: c.s, k: c.k ?? null, i: c.i };
}
