import type { HeaderRecord } from './redaction';
import { resolveThreadId } from './thread';

// The corpus (test/thread-corpus.spec.ts) pins the rules; these pin the header shapes it leaves out.

describe('resolveThreadId', () => {
  it.each<{ name: string; headers: HeaderRecord; want: string }>([
    { name: 'reads the first of repeated agent-id values', headers: { 'x-claude-code-agent-id': ['agent-1', 'agent-2'] }, want: 'agent-1' },
    { name: 'compares the Codex pair as received, without trimming', headers: { 'thread-id': 'a ', 'session-id': 'a' }, want: 'a ' },
    { name: 'an empty thread-id beside a session-id is no sub-thread', headers: { 'thread-id': '', 'session-id': 's' }, want: '' },
    { name: 'the underscore session_id of older Codex releases is not half of the pair', headers: { 'thread-id': 't', session_id: 's' }, want: '' },
    { name: 'no headers at all is the main thread', headers: {}, want: '' },
  ])('$name', ({ headers, want }) => {
    expect(resolveThreadId(headers)).toBe(want);
  });
});

describe('resolveThreadId on headers stored before #13', () => {
  it('does not compare a thread id against a redaction marker: the stored Codex root turn stays on the main thread', () => {
    expect(resolveThreadId({ 'thread-id': '019ecd8e-4281-7353-8a00-09df678443b1', 'session-id': '[redacted]' })).toBe('');
    expect(resolveThreadId({ 'x-claude-code-agent-id': '[redacted:14]' })).toBe('');
  });
});
