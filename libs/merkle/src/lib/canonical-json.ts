/**
 * RFC 8785 (JCS) canonical JSON, the form tapes hashes (ref §2.3 step 4).
 *
 * JCS is small enough to state exactly in terms of the JS engine, which is why it is written here
 * rather than pulled in: object keys sorted by UTF-16 code units (the default `Array#sort` order),
 * no whitespace, strings escaped minimally (`JSON.stringify` escapes exactly `"`, `\` and
 * U+0000–U+001F, with lowercase `\u00xx`, and leaves U+2028/2029 literal), numbers in ES6
 * `Number#toString` form (what `JSON.stringify` writes).
 *
 * Strings must already be well formed: {@link toWellFormedJson} replaces lone surrogates first,
 * otherwise `JSON.stringify` would write them as `\udXXX` escapes and the hash would differ from
 * Go's, whose decoder turns them into U+FFFD.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot encode the number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const v = record[key];
        if (v === undefined) continue; // JSON has no undefined: an absent member
        parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

/**
 * A deep copy of a JSON value with every string (keys included) made well formed: lone surrogates
 * become U+FFFD, as Go's JSON decoder does before anything is hashed (ref §13 item 3).
 */
export function toWellFormedJson<T>(value: T): T {
  if (typeof value === 'string') return value.toWellFormed() as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toWellFormedJson(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) out[k.toWellFormed()] = toWellFormedJson(v);
  }
  return out as T;
}
