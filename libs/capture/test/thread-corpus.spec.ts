import { corpusDigest, loadCorpus, recordedCorpusDigest } from '@tapes/testing';
import { resolveThreadId } from '../src/lib/policy/thread';

/** `fixtures/thread/`: harness-native thread headers → `thread_id`, every case exactly. */
interface ThreadCase {
  name: string;
  harness: 'claude' | 'codex';
  headers: Record<string, string>;
  thread_id: string;
}

const files = loadCorpus<ThreadCase>('thread');

describe('thread corpus (fixtures/thread)', () => {
  it('recomputes the DIGEST recorded beside the cases', () => {
    expect(corpusDigest(files)).toBe(recordedCorpusDigest('thread'));
  });

  it('holds the 8 cases this implementation was checked against', () => {
    expect(files).toHaveLength(8);
  });

  it.each(files.map((f) => [f.file, f.case.name] as const))('%s: name matches the file', (file, name) => {
    expect(`${name}.json`).toBe(file);
  });

  it.each(files.map((f) => [f.case.name, f.case] as const))('%s resolves to its declared thread id', (_name, c) => {
    expect(resolveThreadId(c.headers)).toBe(c.thread_id);
  });
});
