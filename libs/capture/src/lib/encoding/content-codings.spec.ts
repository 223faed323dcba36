import { contentCodingTokens, DEFAULT_CODINGS, planContentDecoding, REFERENCE_CODINGS } from './content-codings';

describe('contentCodingTokens', () => {
  it.each([
    { header: null, tokens: [] },
    { header: undefined, tokens: [] },
    { header: '', tokens: [] },
    { header: ' , ,', tokens: [] },
    { header: 'identity, IDENTITY', tokens: [] },
    { header: 'gzip', tokens: ['gzip'] },
    { header: '  GZip ', tokens: ['gzip'] },
    { header: 'x-gzip', tokens: ['gzip'] },
    { header: 'identity, gzip,,zstd', tokens: ['gzip', 'zstd'] },
    { header: 'br,Deflate', tokens: ['br', 'deflate'] },
  ])('$header → $tokens', ({ header, tokens }) => {
    expect(contentCodingTokens(header)).toEqual(tokens);
  });
});

describe('planContentDecoding', () => {
  it('peels the last-applied coding first', () => {
    expect(planContentDecoding('gzip, zstd, br', DEFAULT_CODINGS)).toEqual({ ok: true, layers: ['br', 'zstd', 'gzip'] });
  });

  it('refuses the whole stack when any layer is unsupported, naming the token and the header', () => {
    const plan = planContentDecoding('gzip, compress', DEFAULT_CODINGS);
    expect(plan).toMatchObject({ ok: false, token: 'compress' });
    expect(!plan.ok && plan.message).toContain('"gzip, compress"');
  });

  it.each([
    { header: 'br', reference: false, product: true },
    { header: 'deflate', reference: false, product: true },
    { header: 'gzip', reference: true, product: true },
    { header: 'zstd', reference: true, product: true },
    { header: 'compress', reference: false, product: false },
    { header: 'brotli-experimental', reference: false, product: false },
    { header: 'x-compress', reference: false, product: false },
  ])('$header: reference codings $reference, default codings $product', ({ header, reference, product }) => {
    expect(planContentDecoding(header, REFERENCE_CODINGS).ok).toBe(reference);
    expect(planContentDecoding(header, DEFAULT_CODINGS).ok).toBe(product);
  });
});
