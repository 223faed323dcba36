import type { Usage } from '@tapes/llm';
import { estimateCost, findModelPrice, normalizeModelId } from './estimate-cost';
import { PRICE_TABLE } from './price-table';

const version = PRICE_TABLE.version;

describe('estimateCost', () => {
  it.each<{ name: string; model: string; usage: Usage; usd: number }>([
    {
      name: 'Anthropic: each part of the prompt at its own rate (Sonnet 4.5, dated id)',
      model: 'claude-sonnet-4-5-20250929',
      // 1,000 plain + 2,000 written + 10,000 read = 13,000 prompt; 500 out
      usage: { prompt_tokens: 13_000, completion_tokens: 500, cache_creation_input_tokens: 2_000, cache_read_input_tokens: 10_000 },
      usd: (1_000 * 3 + 2_000 * 3.75 + 10_000 * 0.3 + 500 * 15) / 1e6,
    },
    {
      name: 'Anthropic thinking is inside the completion and billed once',
      model: 'claude-opus-4-5',
      usage: { prompt_tokens: 100, completion_tokens: 1_000, reasoning_tokens: 800 },
      usd: (100 * 5 + 1_000 * 25) / 1e6,
    },
    {
      name: 'OpenAI: cached input at the cached rate, reasoning inside the completion (gpt-5)',
      model: 'gpt-5-2025-08-07',
      usage: { prompt_tokens: 10_000, completion_tokens: 2_000, cache_read_input_tokens: 8_000, reasoning_tokens: 1_500 },
      usd: (2_000 * 1.25 + 8_000 * 0.125 + 2_000 * 10) / 1e6,
    },
    {
      name: 'Gemini: the API resource name, thoughts inside the completion',
      model: 'models/gemini-2.5-flash',
      usage: { prompt_tokens: 4_000, completion_tokens: 1_200, cache_read_input_tokens: 1_000, reasoning_tokens: 900 },
      usd: (3_000 * 0.3 + 1_000 * 0.03 + 1_200 * 2.5) / 1e6,
    },
    {
      name: 'Gemini 2.5 Pro over 200K prompt tokens: the whole request at the long-context rates',
      model: 'gemini-2.5-pro',
      usage: { prompt_tokens: 300_000, completion_tokens: 1_000 },
      usd: (300_000 * 2.5 + 1_000 * 15) / 1e6,
    },
    {
      name: 'Sonnet 4 over 200K prompt tokens (1M context)',
      model: 'claude-sonnet-4-20250514',
      usage: { prompt_tokens: 250_000, completion_tokens: 1_000, cache_read_input_tokens: 200_000 },
      usd: (50_000 * 6 + 200_000 * 0.6 + 1_000 * 22.5) / 1e6,
    },
    { name: 'exactly at the threshold is still the base rate', model: 'gemini-2.5-pro', usage: { prompt_tokens: 200_000 }, usd: (200_000 * 1.25) / 1e6 },
    { name: 'no tokens cost nothing', model: 'o3', usage: {}, usd: 0 },
  ])('$name', ({ model, usage, usd }) => {
    const estimate = estimateCost(model, usage);
    expect(estimate?.price_version).toBe(version);
    expect(estimate?.usd).toBeCloseTo(usd, 9);
  });

  it.each([
    ['an unknown model', 'claude-opus-4-9', { prompt_tokens: 10 }],
    ['a local model', 'llama3.2:3b', { prompt_tokens: 10 }],
    ["a sibling the table does not list (flash-lite is not flash)", 'gemini-2.5-flash-lite', { prompt_tokens: 10 }],
    ['a router id, which may be billed differently', 'anthropic/claude-sonnet-4-5', { prompt_tokens: 10 }],
    ['a snapshot priced unlike its family', 'gpt-4o-2024-05-13', { prompt_tokens: 10 }],
    ['a 1M-context model past 200K, whose long rate is not in the table', 'claude-sonnet-4-6', { prompt_tokens: 200_001 }],
    ['no model', '', { prompt_tokens: 10 }],
  ])('gives no estimate for %s', (_what, model, usage) => {
    expect(estimateCost(model, usage)).toBeUndefined();
  });

  it('gives no estimate without usage', () => {
    expect(estimateCost('gpt-4o', undefined)).toBeUndefined();
  });

  it('rounds to a nano-dollar, so equal usage gives an equal number', () => {
    const usd = estimateCost('gpt-4.1-nano', { prompt_tokens: 3, completion_tokens: 7 })?.usd ?? NaN;
    expect(usd).toBe(Math.round(usd * 1e9) / 1e9);
    expect(usd).toBe(0.0000031); // (3 × 0.10 + 7 × 0.40) / 1e6
  });
});

describe('normalizeModelId', () => {
  it.each([
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['GPT-4o-mini-2024-07-18', 'gpt-4o-mini'],
    [' models/gemini-2.5-pro ', 'gemini-2.5-pro'],
    ['o4-mini', 'o4-mini'],
  ])('%s → %s', (model, id) => {
    expect(normalizeModelId(model)).toBe(id);
    expect(findModelPrice(model)).toBeDefined();
  });
});

describe('PRICE_TABLE', () => {
  const entries = PRICE_TABLE.models;

  it('is dated and versioned', () => {
    expect(PRICE_TABLE.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(PRICE_TABLE.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('names each model once, in the normalised form lookups use', () => {
    const ids = entries.flatMap((e) => [...e.ids]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(normalizeModelId(id)).toBe(id);
  });

  it('says where every price was read', () => {
    for (const entry of entries) expect(entry.source).toMatch(/read \d{4}-\d{2}-\d{2}/);
  });

  it('prices a cache read below plain input and a long context above the base', () => {
    for (const entry of entries) {
      expect(entry.prices.cache_read).toBeLessThan(entry.prices.input);
      const long = 'long_context' in entry ? entry.long_context : undefined;
      if (long && 'prices' in long) expect(long.prices.input).toBeGreaterThan(entry.prices.input);
    }
  });
});
