import { InvalidCursorError } from './errors';

/**
 * The keyset position of a page: the last item's (created_at, hash). Encoded as tapes does (ref §7.1):
 * base64url without padding of the JSON `{"t": <created_at>, "h": <hash>}`. Opaque to callers.
 */
export interface CursorPosition {
  /** created_at as stored: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  t: string;
  h: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const HASH = /^[a-f0-9]{64}$/;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ t: position.t, h: position.h }), 'utf8').toString('base64url');
}

/** Throws {@link InvalidCursorError} for anything {@link encodeCursor} did not produce. */
export function decodeCursor(cursor: string): CursorPosition {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('invalid cursor: not base64url');
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('invalid cursor: not a cursor');
  }
  if (typeof value !== 'object' || value === null) throw new InvalidCursorError('invalid cursor: not a cursor');
  const { t, h } = value as { t?: unknown; h?: unknown };
  if (typeof h !== 'string' || h === '') throw new InvalidCursorError('invalid cursor: missing hash');
  if (!HASH.test(h)) throw new InvalidCursorError('invalid cursor: bad hash');
  if (typeof t !== 'string' || !TIMESTAMP.test(t) || Number.isNaN(Date.parse(t))) {
    throw new InvalidCursorError('invalid cursor: bad timestamp');
  }
  return { t, h };
}
