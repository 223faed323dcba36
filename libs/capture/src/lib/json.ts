/** Narrowing helpers for untrusted provider JSON: read what is there, never throw on shape. */

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number, or undefined (JSON numbers only; numeric strings are not numbers). */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Parses JSON text; undefined plus the error message when it is not JSON. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** A copy of `record` without the given keys; undefined when nothing is left. */
export function without(record: JsonRecord, keys: readonly string[]): JsonRecord | undefined {
  const out: JsonRecord = {};
  for (const [k, v] of Object.entries(record)) if (!keys.includes(k)) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}
