import { usageError } from './exit-codes';

/**
 * Option values richer than a string, validated the way the read API validates its query (so
 * `--since` takes what `?since=` takes). Each throws a usage error (exit 2) naming the option.
 */
export function dateOption(name: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const relative = /^(\d+)([smhdw])$/.exec(text);
  if (relative) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const isoDate = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const date = new Date(text);
  if ((!isoDate && !isoDateTime) || Number.isNaN(date.getTime())) {
    throw usageError(`--${name} ${text}: expected a date (2026-11-30), a date-time with zone (2026-11-30T10:00:00Z) or an age (30m, 12h, 7d)`);
  }
  return date;
}

export function intOption(name: string, value: unknown, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw usageError(`--${name} ${text}: expected a whole number from ${range.min} to ${range.max}`);
  }
  return n;
}

export function choiceOption<T extends string>(name: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!(choices as readonly string[]).includes(text)) throw usageError(`--${name} ${text}: expected one of ${choices.join(', ')}`);
  return text as T;
}

export function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
