import fc from 'fast-check';
import type { Bucket } from './bucket';
import { canonicalHashInput, computeHash, HASH_PATTERN } from './hash';
import { createNode } from './node';

const bucket = (text: string, extra: Partial<Bucket> = {}): Bucket => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'text', text }],
  model: 'test-model',
  provider: 'test-provider',
  ...extra,
});

const V1 = '54b2e84f39abda96cae9b6a8d9e410474407d7c1753b64d65f020832b8e60b79';

describe('node hash (ref §2.3, vectors of ref §2.4)', () => {
  it('V1: a root text node hashes to the tapes vector, with "is_error":false in its canonical input', () => {
    const input = canonicalHashInput(bucket('hello world'), null);
    expect(input).toBe(
      '{"content":{"content":[{"is_error":false,"text":"hello world","type":"text"}],"model":"test-model","provider":"test-provider","role":"user","type":"message"},"parent":""}',
    );
    expect(computeHash(bucket('hello world'), null)).toBe(V1);
  });

  it('V1 trap: dropping is_error (json v1 omitempty) gives the known-wrong hash, which ours never equals', () => {
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const v1Style = canonicalHashInput(bucket('hello world'), null).replace('"is_error":false,', '');
    const wrong = createHash('sha256').update(v1Style).digest('hex');
    expect(wrong).toBe('d4ebc27c385a1f313d59cabaab3802f7f919f4da4dcbbe46d5680821b1f545d3');
    expect(computeHash(bucket('hello world'), null)).not.toBe(wrong);
  });

  it('V2: a child with an agent name hashes to the tapes vector', () => {
    const child = bucket('hi', { role: 'assistant', agent_name: 'claude' });
    expect(canonicalHashInput(child, V1)).toBe(
      `{"content":{"agent_name":"claude","content":[{"is_error":false,"text":"hi","type":"text"}],"model":"test-model","provider":"test-provider","role":"assistant","type":"message"},"parent":"${V1}"}`,
    );
    expect(computeHash(child, V1)).toBe('6a9dd345bf01aa8d61f0c1b3d5b95862473cf760c642f0849ac0221cbace0798');
  });

  const equivalence = (model: string, content: Bucket['content']): Bucket => ({
    type: 'message',
    role: 'assistant',
    content,
    model,
    provider: 'anthropic',
    agent_name: 'canonical-equivalence',
  });

  it.each([
    {
      name: 'V3 turn_01 text',
      bucket: equivalence('claude-3-5-sonnet-20241022', [{ type: 'text', text: 'hello world' }]),
      hash: '8795ffebc074c9cb6bd50ac9cde831016b3d14da749d34a0c428e03b5246d385',
    },
    {
      name: 'V4 turn_02 tool_use',
      bucket: equivalence('claude-3-5-sonnet-20241022', [
        { type: 'text', text: 'Checking the weather.' },
        { type: 'tool_use', tool_use_id: 'toolu_FIXTURE0000000000000', tool_name: 'get_weather', tool_input: { unit: 'C', location: 'SF' } },
      ]),
      hash: '1fcbe9e7d83f96e6fb06b64c5394e1287480c040eee7c30f4dacd461ef309090',
    },
    {
      name: 'V5 turn_03 thinking',
      bucket: equivalence('claude-opus-4-20250514', [
        { type: 'thinking', thinking: 'Two plus two equals four.', thinking_signature: 'EqoBCkgIARgCIkBYp3d2' },
        { type: 'text', text: '2 + 2 = 4.' },
      ]),
      hash: '10fa354b5ace2293107e5e8a513e93a318e99704a6ea8bbc5ae02c271aade4e3',
    },
  ])('$name hashes to the tapes vector', ({ bucket: b, hash }) => {
    expect(computeHash(b, null)).toBe(hash);
  });

  it('is lowercase hex of 64 characters', () => {
    expect(computeHash(bucket('x'), null)).toMatch(HASH_PATTERN);
  });

  it('gives the same hash for the same bucket and parent, and ignores stop reason and usage', () => {
    const a = createNode(bucket('same'), null);
    const b = createNode(bucket('same'), null, { stop_reason: 'end_turn', usage: { prompt_tokens: 5 }, project: 'p' });
    expect(a.hash).toBe(b.hash);
  });

  it('gives a different hash for different text', () => {
    expect(computeHash(bucket('a'), null)).not.toBe(computeHash(bucket('b'), null));
  });

  it('gives a different hash for the same bucket under different parents', () => {
    expect(computeHash(bucket('a'), V1)).not.toBe(computeHash(bucket('a'), null));
    expect(computeHash(bucket('a'), V1)).not.toBe(computeHash(bucket('a'), '0'.repeat(64)));
  });

  it('omits empty strings and an empty tool_input, but keeps is_error', () => {
    const input = canonicalHashInput(
      bucket('', { content: [{ type: 'tool_use', text: '', tool_name: 'x', tool_input: {}, tool_use_id: '' }], agent_name: '' }),
      null,
    );
    expect(input).toBe(
      '{"content":{"content":[{"is_error":false,"tool_name":"x","type":"tool_use"}],"model":"test-model","provider":"test-provider","role":"user","type":"message"},"parent":""}',
    );
  });

  it('encodes absent content as [] and keeps always-present bucket fields even when empty', () => {
    const input = canonicalHashInput({ type: 'message', role: '', model: '', provider: '', content: undefined as never }, null);
    expect(input).toBe('{"content":{"content":[],"model":"","provider":"","role":"","type":"message"},"parent":""}');
  });

  it('is independent of key order in the bucket and in tool inputs', () => {
    const jsonValue = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), jsonValue, { minKeys: 1, maxKeys: 6 }), (input) => {
        const reversed = Object.fromEntries(Object.entries(input).reverse());
        const a = bucket('t', { content: [{ type: 'tool_use', tool_name: 'f', tool_input: input }] });
        const b: Bucket = {
          provider: 'test-provider',
          model: 'test-model',
          content: [{ tool_input: reversed, tool_name: 'f', type: 'tool_use' }],
          role: 'user',
          type: 'message',
        };
        expect(computeHash(a, null)).toBe(computeHash(b, null));
      }),
      { numRuns: 300 },
    );
  });

  it('normalises lone surrogates to U+FFFD, as Go decoding does, in text and in tool input keys and values', () => {
    const lone = bucket('a\uD800b', { content: [{ type: 'text', text: 'a\uD800b', tool_input: { ['k\uDC00']: ['\uD83D'] } }] });
    const replaced = bucket('a\uFFFDb', { content: [{ type: 'text', text: 'a\uFFFDb', tool_input: { ['k\uFFFD']: ['\uFFFD'] } }] });
    expect(computeHash(lone, null)).toBe(computeHash(replaced, null));
    expect(canonicalHashInput(lone, null)).not.toContain('\\ud');
    // a well-formed pair is left alone
    expect(computeHash(bucket('\uD83D\uDE00'), null)).not.toBe(computeHash(bucket('\uFFFD\uFFFD'), null));
  });

  it('writes strings the RFC 8785 way: minimal escapes, U+2028 literal, no HTML escaping', () => {
    const input = canonicalHashInput(bucket('<a href="x">\u2028\u0001\t\\</a>'), null);
    expect(input).toContain('"text":"<a href=\\"x\\">\u2028\\u0001\\t\\\\</a>"');
  });

  it('writes numbers in ES6 form', () => {
    const input = canonicalHashInput(bucket('n', { content: [{ type: 'tool_use', tool_input: { a: 1e21, b: 0.1, c: -0, d: 1.5e-7, e: 100 } }] }), null);
    expect(input).toContain('"tool_input":{"a":1e+21,"b":0.1,"c":0,"d":1.5e-7,"e":100}');
  });

  it('hashes citations and data only when present, so plain blocks keep their Go hash', () => {
    expect(computeHash(bucket('hello world', { content: [{ type: 'text', text: 'hello world', citations: [], data: {} }] }), null)).toBe(V1);
    expect(computeHash(bucket('hello world', { content: [{ type: 'text', text: 'hello world', citations: [{ url: 'u' }] }] }), null)).not.toBe(V1);
  });
});
