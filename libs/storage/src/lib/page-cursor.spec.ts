import { InvalidCursorError } from './errors';
import { decodeCursor, encodeCursor } from './page-cursor';

describe('page cursors', () => {
  const position = { t: '2026-04-01T12:34:56.123456Z', h: 'a'.repeat(64) };

  it('round-trips, as base64url without padding of {"t","h"} (tapes’ format, ref §7.1)', () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString())).toEqual(position);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ['not-base64!!!', 'not base64url'],
    ['YWJjZA', 'not a cursor'],
    ['e30', 'missing hash'],
    ['eyJ0IjoiYWJjIn0', 'missing hash'],
    [Buffer.from(JSON.stringify({ t: 'yesterday', h: 'a'.repeat(64) })).toString('base64url'), 'bad timestamp'],
    [Buffer.from(JSON.stringify({ t: '2026-04-01T12:34:56.123Z', h: 'a'.repeat(64) })).toString('base64url'), 'bad timestamp'],
    [Buffer.from(JSON.stringify({ t: position.t, h: 'abc123' })).toString('base64url'), 'bad hash'],
    [Buffer.from('[]').toString('base64url'), 'missing hash'],
    [Buffer.from('null').toString('base64url'), 'not a cursor'],
  ])('refuses %s (%s)', (cursor, why) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
    expect(() => decodeCursor(cursor)).toThrow(`invalid cursor: ${why}`);
  });
});
