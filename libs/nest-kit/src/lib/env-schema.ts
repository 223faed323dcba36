import { z } from 'zod';

/** Reusable zod pieces for env-var schemas, so every app validates the same way. */

export const port = (fallback: number) =>
  z.coerce.number({ error: 'must be a port number' }).int('must be an integer').min(0, 'must be 0–65535').max(65535, 'must be 0–65535').default(fallback);

/** An on/off switch: `on`/`off`, `true`/`false`, `1`/`0`, `yes`/`no` (any case). */
export const onOff = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['on', 'true', '1', 'yes'].includes(v)) return true;
      if (['off', 'false', '0', 'no'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be on or off' });
      return z.NEVER;
    });

export const positiveInt = (fallback: number) => z.coerce.number({ error: 'must be a number' }).int('must be an integer').positive('must be > 0').default(fallback);

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info');

export const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** A database URL: postgresql://…, or file:… / a path for SQLite. Empty means the embedded default. */
export const databaseUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine((v) => v === undefined || /^(postgres(ql)?:\/\/|file:)/.test(v) || !v.includes('://'), 'must be postgresql://…, file:…, or a file path');

/** Byte sizes: plain numbers or with a unit (`64mb`, `512KiB`, `1g`). */
export const byteSize = (fallback: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const parsed = parseByteSize(String(v));
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a byte size such as 1048576, 512kb, 64mb or 1gb' });
        return z.NEVER;
      }
      return parsed;
    });

export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase().replace('i', '').replace('b', '');
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(n * mult);
}
