/**
 * Model prices, versioned in the repository so a stored cost can always say which table priced it
 * (`price_version`). USD per million tokens. A model that is not listed has no cost — never a
 * guess — so a model goes in only with a published price we could check, and leaves when unsure.
 *
 * Changing a price: add or edit entries, bump `version` and `as_of`, and say where each figure was
 * read in the entry's `source`. Already-stored costs keep the version they were computed with.
 */

/** USD per million tokens. */
export interface TokenPrices {
  /** Prompt tokens that were neither written to nor read from a cache. */
  readonly input: number;
  readonly output: number;
  /** Prompt tokens written to the cache (Anthropic: the 5-minute write price). */
  readonly cache_write: number;
  /** Prompt tokens read from the cache. */
  readonly cache_read: number;
}

export interface ModelPrice {
  /** Model ids this price applies to, as {@link normalizeModelId} leaves them (snapshot dates stripped). */
  readonly ids: readonly string[];
  readonly prices: TokenPrices;
  /**
   * Some models bill the whole request at other rates once the prompt (cached tokens included)
   * exceeds a threshold. Without `prices`, the rate there is not in this table: such a turn gets
   * no estimate rather than a too-low one.
   */
  readonly long_context?: { readonly above_prompt_tokens: number; readonly prices?: TokenPrices };
  /** Where the figures were read, and when. */
  readonly source: string;
}

// Sources, read 2026-12-02:
const ANTHROPIC = 'Anthropic "Model pricing" table (base input, 5m cache writes, cache hits, output), platform.claude.com/docs/en/about-claude/pricing, read 2026-12-02';
const ANTHROPIC_LONG = `${ANTHROPIC}; over 200K prompt tokens: its "Long context pricing" section (input ×2, output ×1.5, cache rates scale with input)`;
const OPENAI = 'OpenAI API pricing, Standard tier (input, cached input, output), platform.openai.com/docs/pricing, read 2026-12-02; cross-checked with papercomputeco/tapes pkg/sessions/pricing.go (verified 2026-09-24)';
const GEMINI = 'Gemini Developer API pricing, paid Standard tier, text (input, output incl. thinking, context caching), ai.google.dev/gemini-api/docs/pricing, read 2026-12-02; cached tokens at a 90% discount as Google documents for implicit caching';

/**
 * These models accept prompts over 200K tokens (1M context), and whether a long-context rate
 * applies to them could not be verified: above 200K they get no estimate rather than a guess.
 */
const UNPRICED_ABOVE_200K = { above_prompt_tokens: 200_000 } as const;

/**
 * OpenAI and Gemini report no cache-write tokens (writes are billed as ordinary input), so their
 * `cache_write` equals `input`. Reasoning and thinking tokens are billed as output by all three
 * providers and are already inside the completion count (see `estimateCost`).
 */
export const PRICE_TABLE = {
  version: '2026-12-02',
  as_of: '2026-12-02',
  currency: 'USD',
  unit: 'per 1M tokens',
  models: [
    // Anthropic, Claude 4.x. Opus 4 / 4.1 / 4.5 and Haiku 4.5 have a 200K window: no long tier applies.
    { ids: ['claude-opus-4', 'claude-opus-4-0'], prices: { input: 15, output: 75, cache_write: 18.75, cache_read: 1.5 }, source: ANTHROPIC },
    { ids: ['claude-opus-4-1'], prices: { input: 15, output: 75, cache_write: 18.75, cache_read: 1.5 }, source: ANTHROPIC },
    { ids: ['claude-opus-4-5'], prices: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5 }, source: ANTHROPIC },
    { ids: ['claude-opus-4-6'], prices: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5 }, long_context: UNPRICED_ABOVE_200K, source: ANTHROPIC },
    { ids: ['claude-opus-4-7'], prices: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5 }, long_context: UNPRICED_ABOVE_200K, source: ANTHROPIC },
    { ids: ['claude-opus-4-8'], prices: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5 }, long_context: UNPRICED_ABOVE_200K, source: ANTHROPIC },
    {
      ids: ['claude-sonnet-4', 'claude-sonnet-4-0'],
      prices: { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 },
      long_context: { above_prompt_tokens: 200_000, prices: { input: 6, output: 22.5, cache_write: 7.5, cache_read: 0.6 } },
      source: ANTHROPIC_LONG,
    },
    {
      ids: ['claude-sonnet-4-5'],
      prices: { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 },
      long_context: { above_prompt_tokens: 200_000, prices: { input: 6, output: 22.5, cache_write: 7.5, cache_read: 0.6 } },
      source: ANTHROPIC_LONG,
    },
    { ids: ['claude-sonnet-4-6'], prices: { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 }, long_context: UNPRICED_ABOVE_200K, source: ANTHROPIC },
    { ids: ['claude-haiku-4-5'], prices: { input: 1, output: 5, cache_write: 1.25, cache_read: 0.1 }, source: ANTHROPIC },

    // OpenAI. Reasoning tokens are output tokens (and inside `completion_tokens`).
    { ids: ['gpt-4o'], prices: { input: 2.5, output: 10, cache_write: 2.5, cache_read: 1.25 }, source: OPENAI },
    { ids: ['gpt-4o-mini'], prices: { input: 0.15, output: 0.6, cache_write: 0.15, cache_read: 0.075 }, source: OPENAI },
    { ids: ['gpt-4.1'], prices: { input: 2, output: 8, cache_write: 2, cache_read: 0.5 }, source: OPENAI },
    { ids: ['gpt-4.1-mini'], prices: { input: 0.4, output: 1.6, cache_write: 0.4, cache_read: 0.1 }, source: OPENAI },
    { ids: ['gpt-4.1-nano'], prices: { input: 0.1, output: 0.4, cache_write: 0.1, cache_read: 0.025 }, source: OPENAI },
    { ids: ['gpt-5', 'gpt-5-codex'], prices: { input: 1.25, output: 10, cache_write: 1.25, cache_read: 0.125 }, source: OPENAI },
    { ids: ['gpt-5-mini'], prices: { input: 0.25, output: 2, cache_write: 0.25, cache_read: 0.025 }, source: OPENAI },
    { ids: ['gpt-5-nano'], prices: { input: 0.05, output: 0.4, cache_write: 0.05, cache_read: 0.005 }, source: OPENAI },
    { ids: ['gpt-5.1', 'gpt-5.1-codex'], prices: { input: 1.25, output: 10, cache_write: 1.25, cache_read: 0.125 }, source: OPENAI },
    { ids: ['gpt-5.2', 'gpt-5.2-codex'], prices: { input: 1.75, output: 14, cache_write: 1.75, cache_read: 0.175 }, source: OPENAI },
    { ids: ['o1'], prices: { input: 15, output: 60, cache_write: 15, cache_read: 7.5 }, source: OPENAI },
    { ids: ['o3'], prices: { input: 2, output: 8, cache_write: 2, cache_read: 0.5 }, source: OPENAI },
    { ids: ['o3-mini'], prices: { input: 1.1, output: 4.4, cache_write: 1.1, cache_read: 0.55 }, source: OPENAI },
    { ids: ['o4-mini'], prices: { input: 1.1, output: 4.4, cache_write: 1.1, cache_read: 0.275 }, source: OPENAI },

    // Google Gemini 2.5. Thinking tokens are billed as output ("output price including thinking tokens").
    {
      ids: ['gemini-2.5-pro'],
      prices: { input: 1.25, output: 10, cache_write: 1.25, cache_read: 0.125 },
      long_context: { above_prompt_tokens: 200_000, prices: { input: 2.5, output: 15, cache_write: 2.5, cache_read: 0.25 } },
      source: GEMINI,
    },
    { ids: ['gemini-2.5-flash'], prices: { input: 0.3, output: 2.5, cache_write: 0.3, cache_read: 0.03 }, source: GEMINI },
  ] satisfies readonly ModelPrice[],
} as const;

/**
 * Snapshots whose price differs from the id their date is stripped to: `gpt-4o-2024-05-13`
 * launched at $5 / $15, later `gpt-4o` snapshots cost less. Listed so they get no estimate instead
 * of the wrong one.
 */
export const UNPRICED_SNAPSHOTS: ReadonlySet<string> = new Set(['gpt-4o-2024-05-13']);
