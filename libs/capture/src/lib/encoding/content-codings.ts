/** The content codings capture knows how to undo (RFC 9110 §8.4.1). */
export type ContentCoding = 'gzip' | 'zstd' | 'deflate' | 'br';

/**
 * Which codings a decoder undoes is a policy, so it is an option with two named settings.
 *
 * `REFERENCE_CODINGS` is what the shared content-encoding corpus pins: the Go reference
 * (`pkg/capture/contentencoding.go`) decodes gzip and zstd only, and the corpus case
 * `error-unsupported-encoding` asserts that `br` is refused as `unsupported`. The corpus test runs
 * every case with this set and must agree with the reference exactly.
 *
 * `DEFAULT_CODINGS` is what the product uses: deflate and br as well, because a turn whose body we
 * cannot read is a lost turn (design §7). Tokens outside the set in use (`compress`,
 * `brotli-experimental`, a typo) are `unsupported` under either setting: an unknown coding is never
 * passed through as if it were plaintext.
 */
export const REFERENCE_CODINGS: ReadonlySet<ContentCoding> = new Set<ContentCoding>(['gzip', 'zstd']);
export const DEFAULT_CODINGS: ReadonlySet<ContentCoding> = new Set<ContentCoding>(['gzip', 'zstd', 'deflate', 'br']);

/** Historical spellings some intermediaries still send (RFC 9110 §8.4.1.3: x-gzip is gzip). */
const ALIASES: Readonly<Record<string, string>> = { 'x-gzip': 'gzip' };

/**
 * The coding tokens of a `Content-Encoding` value in the order the sender applied them:
 * lower-cased, trimmed, aliases resolved, and with `identity` and empty list elements dropped
 * (they name no transformation, so a list of them is zero layers). `null`/`undefined` (header
 * absent) and `""` (present but empty) both give `[]`.
 */
export function contentCodingTokens(header: string | null | undefined): string[] {
  if (!header) return [];
  const tokens: string[] = [];
  for (const raw of header.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || token === 'identity') continue;
    tokens.push(ALIASES[token] ?? token);
  }
  return tokens;
}

export type DecodePlan =
  | { ok: true; /** Codings in the order they are undone: the last one applied comes off first. */ layers: ContentCoding[] }
  | { ok: false; token: string; message: string };

/**
 * The layers to peel off a body, outermost first, or the first token the decoder will not undo.
 * The whole header is checked before anything is decoded, so an unsupported layer anywhere in a
 * stack refuses the body without a decode attempt; the message names both the token and the header
 * because with stacked codings neither alone says what failed (corpus case
 * `error-unsupported-layer-in-stack`).
 */
export function planContentDecoding(header: string | null | undefined, codings: ReadonlySet<ContentCoding>): DecodePlan {
  const tokens = contentCodingTokens(header);
  for (const token of tokens) {
    if (!(codings as ReadonlySet<string>).has(token)) {
      return { ok: false, token, message: `unsupported content coding "${token}" in Content-Encoding "${header ?? ''}"` };
    }
  }
  return { ok: true, layers: (tokens as ContentCoding[]).reverse() };
}
