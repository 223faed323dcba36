import type { HeaderRecord } from '@tapes/capture';
import type { HeaderMapMessage } from '../wire/processing-messages';

/**
 * Envoy's header list as a record: lower-cased names (Envoy already sends them so; compared
 * case-insensitively anyway), repeated names kept as arrays in arrival order. Values come from
 * `raw_value` (Envoy ≥ 1.32 fills only that), falling back to `value` (docs/ext-proc.md §2.3).
 */
export function headerRecord(map: HeaderMapMessage | null | undefined): HeaderRecord {
  const out: HeaderRecord = {};
  for (const header of map?.headers ?? []) {
    const name = header.key.toLowerCase();
    const value = header.raw_value && header.raw_value.length > 0 ? header.raw_value.toString('utf8') : header.value;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/** The first value of a header, if present. */
export function firstHeader(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
