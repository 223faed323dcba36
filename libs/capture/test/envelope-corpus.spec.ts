import { corpusDigest, loadCorpus, recordedCorpusDigest } from '@tapes/testing';
import { ENVELOPE_HEADERS, ENVELOPE_RULES, encodeSessionEnvelope, readSessionEnvelope, type SessionEnvelope } from '../src/lib/policy/envelope';
import type { HeaderRecord } from '../src/lib/policy/redaction';

/**
 * `fixtures/envelope/`: the `X-Tapes-*` header ↔ session envelope contract, run against both
 * halves. Every case decodes to its `envelope` (or its `error`); `roundtrip` and `encode` cases
 * also encode (`encode_from`, else `envelope`) to exactly their `headers`.
 */
interface EnvelopeCase {
  name: string;
  category: 'valid' | 'percent-encoding' | 'budget' | 'unknown' | 'error';
  direction: 'roundtrip' | 'decode' | 'encode';
  headers: Record<string, string>;
  envelope: SessionEnvelope;
  encode_from?: SessionEnvelope;
  error?: { field: string; rule: string; disposition: 'reject-400' | 'drop-field' };
}

const files = loadCorpus<EnvelopeCase>('envelope');
const cases = files.map((f) => [f.case.name, f.case] as const);

/** The metadata header compared as the object it encodes: key order is not part of the contract (README). */
function comparable(headers: HeaderRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...headers };
  const metadata = headers[ENVELOPE_HEADERS.harnessMetadata];
  if (typeof metadata === 'string') out[ENVELOPE_HEADERS.harnessMetadata] = JSON.parse(Buffer.from(metadata, 'base64url').toString('utf8'));
  return out;
}

describe('envelope corpus (fixtures/envelope)', () => {
  it('recomputes the DIGEST recorded beside the cases', () => {
    expect(corpusDigest(files)).toBe(recordedCorpusDigest('envelope'));
  });

  it('holds the 23 cases this implementation was checked against', () => {
    expect(files).toHaveLength(23);
  });

  it.each(files.map((f) => [f.file, f.case.name] as const))('%s: name matches the file', (file, name) => {
    expect(`${name}.json`).toBe(file);
  });

  describe.each(cases)('%s', (_name, c) => {
    it(c.error?.disposition === 'reject-400' ? 'reads the envelope, then rejects it as declared' : 'reads exactly the declared envelope', () => {
      const read = readSessionEnvelope(c.headers);
      expect(read.envelope).toEqual(c.envelope);
      if (c.error?.disposition === 'reject-400') {
        expect(read.ok).toBe(false);
        if (!read.ok) expect(read.error).toEqual(c.error);
        return;
      }
      expect(read.ok).toBe(true);
      if (c.error) expect(read.dropped).toEqual([c.error]);
      // Without an error block nothing is dropped, except a value the control-byte guard refused
      // (the corpus records that refusal in prose, not as an error).
      else expect(read.dropped.filter((d) => d.rule !== ENVELOPE_RULES.controlBytes)).toEqual([]);
    });

    if (c.direction !== 'decode') {
      it('encodes to exactly the declared headers', () => {
        expect(comparable(encodeSessionEnvelope(c.encode_from ?? c.envelope))).toEqual(comparable(c.headers));
      });
    }
  });

  it.each([
    ['cwd-control-bytes-escaped', 'cwd'],
    ['session-name-control-bytes-escaped', 'name'],
  ])('%s: reports the refused %s so a site can count it', (name, field) => {
    const c = cases.find(([n]) => n === name)?.[1];
    if (!c) throw new Error(`missing case ${name}`);
    expect(readSessionEnvelope(c.headers).dropped).toEqual([{ field, rule: ENVELOPE_RULES.controlBytes, disposition: 'drop-field' }]);
  });
});
