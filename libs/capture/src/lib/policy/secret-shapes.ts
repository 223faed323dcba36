/**
 * Credentials recognised by the shape of their value, whatever carries them: a header of any name,
 * a query value, a URL's path or userinfo, and (opt-in) the text of prompts and tool output
 * (`body-scrubber.ts`). One list, so that every place redacts the same things (#13).
 *
 * The shapes favour recall for formats with a vendor prefix (a false positive costs a redacted
 * string, a false negative a leaked key) and guard the generic ones against prose: each has a left
 * boundary, so `task-…` is not `sk-…`, and `Bearer`/`Basic` need a token that looks like one.
 *
 * Every pattern is ASCII-only (no `\s`, no `\w`), so it can run on bytes decoded as latin1 and a
 * match's length in characters is its length in bytes. No pattern starts with a lookbehind: V8
 * would evaluate it at every position, which is quadratic on long runs of whitespace.
 */
export interface SecretShape {
  /** What the shape is, for tests and docs. */
  readonly name: string;
  /**
   * Must carry the `g` flag. When it has a `secret` group (and the `d` flag), only that group is
   * redacted: `Bearer [redacted:40]` keeps the scheme readable.
   */
  readonly pattern: RegExp;
  /** A second look at a match that a pattern alone cannot make (`Basic` must decode to `user:pass`). */
  readonly confirm?: (match: string) => boolean;
  /** A made-up value of this shape; the tests prove each is found (its `secret` part, else whole). */
  readonly example: string;
}

const B64URL = '[A-Za-z0-9_-]';
/** Not preceded by a token character: `ask-…`, `task-…` and `x-sk-…` are not OpenAI keys. */
const START = '(?<![A-Za-z0-9_-])';

export const SECRET_SHAPES: readonly SecretShape[] = [
  // Anthropic: sk-ant-api03-…, sk-ant-admin01-…, sk-ant-oat01-… (OAuth).
  { name: 'anthropic key', pattern: new RegExp(`${START}sk-ant-${B64URL}{20,}`, 'g'), example: 'sk-ant-api03-EXAMPLE0nly-Zx9kQ2mWv7LpR4tYb8NcE1fHj6GsD3aU0oKi_Pq5XyTz-AA' },
  // OpenAI sk-…, sk-proj-…, sk-svcacct-…; OpenRouter sk-or-v1-…; DeepSeek sk-<32 hex>. A digit is
  // required so that kebab-case prose (`sk-learn-compatible-interface`) is left alone.
  {
    name: 'openai-style key',
    pattern: new RegExp(`${START}sk-(?=${B64URL}{0,200}?[0-9])${B64URL}{20,}`, 'g'),
    example: 'sk-proj-EXAMPLE0nlyT3BlbkFJ4u9zQ2mWv7LpR4tYb8NcE1fHj6GsD3aU0oKi',
  },
  // Google API keys are exactly 39 characters (https://cloud.google.com/docs/authentication/api-keys).
  { name: 'google api key', pattern: new RegExp(`${START}AIza${B64URL}{35}`, 'g'), example: 'AIzaSyEXAMPLE0nly_Zx9kQ2mWv7LpR4tYb8Nc-' },
  // JWS compact serialisation (RFC 7515 §7.1): the header is base64url JSON, so it starts `eyJ`
  // (`{"`); the signature is empty for `alg: none`; two more segments make a JWE (RFC 7516 §7.1).
  {
    name: 'jwt',
    pattern: new RegExp(`${START}eyJ${B64URL}{8,}\\.${B64URL}{8,}\\.${B64URL}*(?:\\.${B64URL}*\\.${B64URL}*)?`, 'g'),
    example: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJlLWV4YW1wbGU',
  },
  // AWS access key ids: AKIA (long-term) and ASIA (STS), then 16 upper-case base32 characters.
  { name: 'aws access key id', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g, example: 'AKIAIOSFODNN7EXAMPLE' },
  // GitHub: classic ghp_/gho_/ghu_/ghs_/ghr_ (36 characters) and fine-grained github_pat_….
  {
    name: 'github token',
    pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g,
    example: 'ghp_EXAMPLE0nly0123456789abcdefghijklmno',
  },
  { name: 'slack token', pattern: /(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}/g, example: 'xoxb-000000000-EXAMPLE0nly' },
  { name: 'stripe secret key', pattern: /(?<![A-Za-z0-9_])[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, example: 'sk_test_EXAMPLE0nly0123456789' },
  { name: 'hugging face token', pattern: /(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}/g, example: 'hf_EXAMPLE0nly0123456789abcdefghijkl' },
  { name: 'groq key', pattern: /(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{40,}/g, example: 'gsk_EXAMPLE0nly0123456789abcdefghijklmnopqrstuv' },
  // RFC 6750 §2.1 b64token, long enough and with a digit so that "Bearer authentication" is prose.
  {
    name: 'bearer token',
    pattern: /(?<![A-Za-z])[Bb][Ee][Aa][Rr][Ee][Rr][ \t]{1,8}(?<secret>(?=[A-Za-z0-9._~+/-]{0,200}?[0-9])[A-Za-z0-9._~+/-]{16,}=*)/dg,
    example: 'Bearer 0d4c8f2e9b7a6c5d4e3f2a1b',
  },
  // RFC 7617: base64 of `user:pass`; confirmed by decoding, so "Basic usage" is prose.
  {
    name: 'basic credentials',
    pattern: /(?<![A-Za-z])[Bb][Aa][Ss][Ii][Cc][ \t]{1,8}(?<secret>[A-Za-z0-9+/]{6,}={0,2})/dg,
    confirm: (b64) => /^[\x20-\x7e]*:[\x20-\x7e]*$/.test(Buffer.from(b64, 'base64').toString('latin1')),
    example: 'Basic ZXhhbXBsZTpodW50ZXIy',
  },
  // PEM (RFC 7468) and OpenPGP armour. The body class has no quote, so a match never leaves the JSON
  // string it starts in; an unterminated block (truncated tool output) is redacted up to the end of
  // its base64 run.
  {
    name: 'private key',
    pattern:
      /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:, \t\r\n\\-]*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=:, \t\r\n\\-]*)/g,
    example: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nEXAMPLE0nly+/=\n-----END PRIVATE KEY-----',
  },
];

/**
 * A whole header or query value that is an HTTP credential, `<scheme> <token68>` (RFC 9110 §11.4),
 * however short the token. Only for whole values: inside prose `Basic x` is not a credential, and a
 * challenge such as `www-authenticate: Bearer realm="api"` has parameters, not a token, so it stays.
 */
const CREDENTIAL_VALUE = /^[ \t]*(?:bearer|basic)[ \t]+[A-Za-z0-9._~+/-]+=*[ \t]*$/i;

/** The shortest text any shape can match: `Basic ` and six base64 characters. */
const MIN_SECRET_TEXT = 12;

/** Where a secret lies in a text: `text.slice(start, end)` is redacted. */
export interface SecretSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Every span of `text` that matches a {@link SECRET_SHAPES} entry, in order, overlapping spans
 * merged (a JWT inside a `Bearer` token is one secret, not two).
 */
export function findSecrets(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  // No shape matches fewer characters (`Basic ` and six): most header values end here.
  if (text.length < MIN_SECRET_TEXT) return spans;
  for (const shape of SECRET_SHAPES) {
    // The shape's own RegExp, driven by exec from lastIndex 0 (no copy per call: this runs for
    // every header value of every captured turn, #17). Synchronous, so no caller can interleave.
    const pattern = shape.pattern;
    pattern.lastIndex = 0;
    try {
      for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
        if (match[0].length === 0) pattern.lastIndex += 1;
        const group = match.indices?.groups?.['secret'];
        const [start, end] = group ?? [match.index, match.index + match[0].length];
        if (end > start && (!shape.confirm || shape.confirm(text.slice(start, end)))) spans.push({ start, end });
      }
    } finally {
      pattern.lastIndex = 0;
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretSpan[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, span.end) };
    else merged.push(span);
  }
  return merged;
}

/** True when `value` is a credential as a whole (`Bearer x`) or holds a known key format anywhere. */
export function holdsSecret(value: string): boolean {
  if (value.length > VERDICT_CACHE_MAX_VALUE) return CREDENTIAL_VALUE.test(value) || findSecrets(value).length > 0;
  // Agents send the same header values turn after turn: the verdict is remembered (bounded).
  let verdict = verdicts.get(value);
  if (verdict === undefined) {
    verdict = CREDENTIAL_VALUE.test(value) || findSecrets(value).length > 0;
    if (verdicts.size >= VERDICT_CACHE_ENTRIES) verdicts.clear();
    verdicts.set(value, verdict);
  }
  return verdict;
}

/** {@link holdsSecret}'s remembered verdicts: short values only, at most this many (then started afresh). */
const VERDICT_CACHE_ENTRIES = 2048;
const VERDICT_CACHE_MAX_VALUE = 512;
const verdicts = new Map<string, boolean>();
