import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `5m`, `1h`, `30d`, or a plain number of milliseconds; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[(m[2] ?? 'ms').toLowerCase()] ?? 1));
}

/**
 * An env-var duration in milliseconds, the one duration syntax of every app's settings; `0` means
 * "no limit" (or "off") where the key says so.
 */
export const duration = (fallbackMs: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallbackMs;
      const parsed = parseDuration(v);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 250ms, 30s, 5m, 12h, 30d or a number of milliseconds' });
        return z.NEVER;
      }
      return parsed;
    });

/** A duration that must be more than zero (a timeout, a backoff step): `0` means nothing useful there. */
export const positiveDuration = (fallbackMs: number) => duration(fallbackMs).refine((ms) => ms > 0, 'must be more than 0 (a duration such as 500ms, 30s or 5m)');
