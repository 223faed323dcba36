import { corpusDigest, loadCorpus, recordedCorpusDigest } from './fixture-corpus';

/** The vendored corpora of the public tapes project and how many cases each must hold (fixtures/README.md). */
const CORPORA = [
  { family: 'content-encoding', cases: 27 },
  { family: 'envelope', cases: 23 },
  { family: 'thread', cases: 8 },
  { family: 'drop-reason', cases: 15 },
];

describe('vendored corpora (#10)', () => {
  it.each(CORPORA)('$family: DIGEST recomputes from cases/ and holds $cases cases', ({ family, cases }) => {
    const files = loadCorpus<{ name?: string }>(family);
    expect(files).toHaveLength(cases);
    // Printed on mismatch so a deliberate re-vendoring can copy the new value.
    expect(corpusDigest(files)).toBe(recordedCorpusDigest(family));
  });

  it.each(CORPORA)('$family: every case is named after its file', ({ family }) => {
    for (const { file, case: c } of loadCorpus<{ name?: string }>(family)) expect(`${c.name}.json`).toBe(file);
  });

  it('the digest sees a renamed, an edited and a removed case', () => {
    const files = loadCorpus('thread');
    const base = corpusDigest(files);
    const [first, ...rest] = files;
    if (!first) throw new Error('thread corpus is empty');
    expect(corpusDigest([{ ...first, file: `x${first.file}` }, ...rest])).not.toBe(base);
    expect(corpusDigest([{ ...first, bytes: Buffer.concat([first.bytes, Buffer.from(' ')]) }, ...rest])).not.toBe(base);
    expect(corpusDigest(rest)).not.toBe(base);
  });
});
