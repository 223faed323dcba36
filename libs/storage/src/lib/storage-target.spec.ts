import path from 'node:path';
import { redactUrl, resolveStorageTarget } from './storage-target';

describe('resolveStorageTarget', () => {
  it.each([
    ['postgresql://u:p@h:5432/db', { backend: 'postgresql', url: 'postgresql://u:p@h:5432/db' }],
    ['postgres://h/db?sslmode=require', { backend: 'postgresql', url: 'postgres://h/db?sslmode=require' }],
    ['file:/abs/x.db', { backend: 'sqlite', file: '/abs/x.db' }],
    ['file:///abs/y.db', { backend: 'sqlite', file: '/abs/y.db' }],
    ['file:./rel.db?mode=rwc', { backend: 'sqlite', file: path.resolve('rel.db') }],
    ['/abs/z.db', { backend: 'sqlite', file: '/abs/z.db' }],
    ['rel/w.db', { backend: 'sqlite', file: path.resolve('rel/w.db') }],
  ])('reads %s', (url, expected) => {
    expect(resolveStorageTarget(url)).toEqual(expected);
  });

  it('defaults to <dataDir>/tapes.db, dataDir defaulting to ./.tapes', () => {
    expect(resolveStorageTarget(undefined)).toEqual({ backend: 'sqlite', file: path.resolve('.tapes/tapes.db') });
    expect(resolveStorageTarget('', '/var/lib/tapes')).toEqual({ backend: 'sqlite', file: '/var/lib/tapes/tapes.db' });
  });

  it.each([':memory:', 'file::memory:', 'mysql://h/db'])('refuses %s', (url) => {
    expect(() => resolveStorageTarget(url)).toThrow();
  });

  it('masks passwords for logs', () => {
    expect(redactUrl('postgresql://u:secret@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactUrl('postgresql://h/db')).toBe('postgresql://h/db');
  });
});
