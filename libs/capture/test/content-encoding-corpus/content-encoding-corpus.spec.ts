import fc from 'fast-check';
import { REFERENCE_CODINGS } from '../../src/lib/encoding/content-codings';
import { ContentDecoder } from '../../src/lib/encoding/content-decoder';
import { decodeBody } from '../../src/lib/encoding/decode-body';
import type { DecodeResult } from '../../src/lib/encoding/decode-result';
import { caseBody, initCorpusCompressors, plaintextBytes } from './corpus-body';
import { corpusDigest, loadCorpusCases, recordedDigest, type CaseExpectation, type CorpusCase } from './corpus-case';

/**
 * The shared content-encoding corpus, run against ContentDecoder with REFERENCE_CODINGS (the codings
 * the Go reference decodes, which is what the corpus pins). Every case must pass exactly.
 */

const cases = loadCorpusCases();
const bodies = new Map<string, Buffer>();

beforeAll(async () => {
  await initCorpusCompressors();
  for (const { case: c } of cases) bodies.set(c.name, caseBody(c.body));
});

function bodyOf(c: CorpusCase): Buffer {
  const body = bodies.get(c.name);
  if (!body) throw new Error(`no body built for ${c.name}`);
  return body;
}

function expectDecodedBody(c: CorpusCase, expectation: CaseExpectation, body: Buffer): void {
  if (expectation.outcome === 'error') return;
  const decoded = expectation.decoded;
  if ('bytes_b64' in decoded) {
    expect(body.equals(Buffer.from(decoded.bytes_b64, 'base64'))).toBe(true);
    return;
  }
  if (!('build' in c.body)) throw new Error(`${c.name}: a plaintext assertion needs a build recipe`);
  const plain = plaintextBytes(c.body.build.plaintext);
  if ('equals_plaintext' in decoded) {
    expect(body.length).toBe(plain.length);
    expect(body.equals(plain)).toBe(true);
  } else {
    expect(body.length).toBeGreaterThan(0);
    expect(body.equals(plain.subarray(0, body.length))).toBe(true);
  }
}

function expectOutcome(c: CorpusCase, result: { outcome: string; errorClass?: string | undefined; message?: string | undefined }): void {
  expect(result.outcome).toBe(c.expect.outcome);
  if (c.expect.outcome === 'error') {
    expect(result.errorClass).toBe(c.expect.error.class);
    for (const needle of c.expect.error.message_contains ?? []) expect(result.message).toContain(needle);
  }
  // A salvage must say what was cut: it may never look like a clean decode.
  if (c.expect.outcome === 'salvaged') expect(result.message).toEqual(expect.stringMatching(/ended early/));
}

async function decodeInChunks(body: Buffer, header: string | null, sizes: readonly number[]): Promise<{ result: DecodeResult; body: Buffer }> {
  const chunks: Uint8Array[] = [];
  const decoder = new ContentDecoder(header, { codings: REFERENCE_CODINGS, onData: (chunk) => chunks.push(chunk) });
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    decoder.write(body.subarray(at, at + size));
    at += size;
  }
  return { result: await decoder.end(), body: Buffer.concat(chunks) };
}

describe('content-encoding corpus', () => {
  it('recomputes the DIGEST recorded beside the cases', () => {
    expect(corpusDigest(cases)).toBe(recordedDigest());
  });

  it.each(cases.map((c) => [c.file, c.case] as const))('%s: name matches the file', (file, c) => {
    expect(`${c.name}.json`).toBe(file);
  });

  describe.each(cases.map((c) => [c.case.name, c.case] as const))('%s', (_name, c) => {
    it(`${c.expect.outcome}${c.expect.outcome === 'error' ? ` (${c.expect.error.class})` : ''} when decoded whole`, async () => {
      const result = await decodeBody(bodyOf(c), c.encoding, { codings: REFERENCE_CODINGS });
      expectOutcome(c, result);
      expectDecodedBody(c, c.expect, result.body);
    });

    it('reaches the same outcome and bytes however the body is chunked', async () => {
      const body = bodyOf(c);
      // The cap cases decode 48 MiB per run: fewer runs, larger chunks, same property.
      const large = body.length > 16 * 1024;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: large ? 4096 : 64 }), { minLength: 1, maxLength: 16 }), async (sizes) => {
          const { result, body: decoded } = await decodeInChunks(body, c.encoding, sizes);
          expectOutcome(c, result);
          expectDecodedBody(c, c.expect, decoded);
          if (c.expect.outcome !== 'error') expect(result.decodedBytes).toBe(decoded.length);
        }),
        { numRuns: large ? 3 : 12 },
      );
    });
  });
});

/**
 * The README's coverage gate, closed in both directions: every policy rule names the case that pins
 * it and what that case must still assert, and every case is named by some rule. Deleting, gutting
 * or renaming a case, or adding one without saying what it is for, fails here.
 */
const POLICY_RULES: ReadonlyArray<{ rule: string; case: string; pins: string }> = [
  { rule: 'an absent header means no coding', case: 'identity-header-absent', pins: 'decoded' },
  { rule: 'an empty header is the same as an absent one', case: 'identity-empty-header', pins: 'decoded' },
  { rule: 'identity names no transformation', case: 'identity-explicit-token', pins: 'decoded' },
  { rule: 'tokens are matched case-insensitively after trimming', case: 'identity-mixed-case-whitespace', pins: 'decoded' },
  { rule: 'a list of identity tokens is zero layers', case: 'identity-only-list', pins: 'decoded' },
  { rule: 'gzip is decoded', case: 'gzip-basic', pins: 'decoded' },
  { rule: 'every gzip member is read, not only the first', case: 'gzip-concatenated-members', pins: 'decoded' },
  { rule: 'real tokens are normalised before dispatch', case: 'gzip-uppercase-whitespace', pins: 'decoded' },
  { rule: 'x-gzip is gzip', case: 'gzip-x-gzip-alias', pins: 'decoded' },
  { rule: 'zstd is decoded', case: 'zstd-basic', pins: 'decoded' },
  { rule: 'every zstd frame is read, not only the first', case: 'zstd-concatenated-frames', pins: 'decoded' },
  { rule: 'stacked codings are peeled right to left', case: 'stacked-gzip-then-zstd', pins: 'decoded' },
  { rule: 'identity inside a stack is not a layer', case: 'stacked-identity-is-not-a-layer', pins: 'decoded' },
  { rule: 'a gzip stream cut after producing output is salvaged and reported', case: 'salvage-gzip-cut-mid-stream', pins: 'salvaged' },
  { rule: 'a gzip stream missing only its trailer is salvaged, not clean', case: 'salvage-gzip-missing-trailer', pins: 'salvaged' },
  { rule: 'a zstd stream cut after producing output is salvaged and reported', case: 'salvage-zstd-cut-mid-stream', pins: 'salvaged' },
  { rule: 'an early end that produced nothing is refused', case: 'salvage-refused-when-nothing-produced', pins: 'error:undecodable' },
  { rule: 'output exactly at the per-layer cap is accepted', case: 'limit-decoded-at-cap', pins: 'decoded' },
  { rule: 'output past the per-layer cap is refused (bomb guard)', case: 'limit-decoded-over-cap', pins: 'error:oversize' },
  { rule: 'a zstd window of 2^25 bytes is accepted (inclusive bound)', case: 'limit-zstd-window-at-cap', pins: 'decoded' },
  { rule: 'a zstd window over 2^25 bytes is refused before decoding', case: 'limit-zstd-window-over-cap', pins: 'error:undecodable' },
  { rule: 'a coding without a decoder is refused, never passed through', case: 'error-unsupported-encoding', pins: 'error:unsupported' },
  { rule: 'an unsupported layer names the token and the whole header', case: 'error-unsupported-layer-in-stack', pins: 'error:unsupported' },
  { rule: 'a corrupt gzip header is refused, not salvaged', case: 'error-corrupt-gzip-header', pins: 'error:undecodable' },
  { rule: 'a corrupt zstd frame header is refused before any output', case: 'error-corrupt-zstd-frame', pins: 'error:undecodable' },
  { rule: 'an empty body under gzip is refused', case: 'contested-empty-body-under-gzip', pins: 'error:undecodable' },
  { rule: 'an empty body under zstd is refused like gzip', case: 'contested-empty-body-under-zstd', pins: 'error:undecodable' },
];

describe('content-encoding corpus coverage gate', () => {
  const byName = new Map(cases.map((c) => [c.case.name, c.case]));

  it.each(POLICY_RULES)('$rule → $case ($pins)', ({ case: name, pins }) => {
    const c = byName.get(name);
    expect(c).toBeDefined();
    const expectation = c!.expect;
    expect(expectation.outcome === 'error' ? `error:${expectation.error.class}` : expectation.outcome).toBe(pins);
  });

  it('names every case in some rule', () => {
    const named = new Set(POLICY_RULES.map((r) => r.case));
    expect(cases.map((c) => c.case.name).filter((name) => !named.has(name))).toEqual([]);
  });
});
