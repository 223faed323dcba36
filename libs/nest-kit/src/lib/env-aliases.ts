import type { z } from 'zod';
import { parseDuration } from './duration';
import { parseByteSize } from './env-schema';

/**
 * A deprecated environment name still accepted for a setting that was renamed (#11: one name and
 * one unit per knob in every app; docs/configuration.md lists both). Existing deployments keep
 * working: an old name is read as the new one, an explicit new name wins, each old name in use is
 * one warning at start naming the new one, and both set to different values is a configuration
 * error naming both.
 */
export interface EnvAlias {
  /** The deprecated name. */
  readonly old: string;
  /** The setting's name now. */
  readonly name: string;
  /**
   * How the old name's value reads: `text` (default) the new name's own syntax; `bytes` a byte
   * size; `ms` / `s` a whole number of milliseconds / seconds where the new name takes a duration
   * (`30s`); `kept` no rename at all — the schema still reads the old name (its meaning differs
   * from the new one's), only the warning comes from here and `hint` says what to set instead.
   */
  readonly unit?: 'text' | 'bytes' | 'ms' | 's' | 'kept';
  /** The warning's advice when the old value does not simply move to the new name (`kept`). */
  readonly hint?: string;
}

/** The environment with every old name moved to its new one, what to warn about, and what is wrong. */
export interface ResolvedEnv {
  env: Record<string, string | undefined>;
  /** One line per old name in use, naming the new one. */
  deprecations: string[];
  /** Configuration errors: an old value in the wrong unit, or an old and a new name that disagree. */
  problems: string[];
  /** New name → the old name its value came from (to name it in a later error). */
  movedFrom: ReadonlyMap<string, string>;
}

const blank = (v: string | undefined): v is undefined => v === undefined || v.trim() === '';
const isSecretName = (name: string) => /TOKEN|SECRET|PASSWORD|KEY/i.test(name);
const shown = (name: string, value: string) => `${name}=${isSecretName(name) ? '***' : value.trim()}`;

/** The old value in the new name's syntax; undefined when it is not a value of the old name's unit. */
function convert(value: string, unit: EnvAlias['unit']): string | undefined {
  const v = value.trim();
  if (unit === 'ms' || unit === 's') return /^\d+$/.test(v) ? `${Number(v)}${unit}` : undefined;
  if (unit === 'bytes') return parseByteSize(v) === undefined ? undefined : v;
  return v;
}

/** Whether the explicit new value and the (converted) old value say the same thing. */
function same(explicit: string, converted: string, unit: EnvAlias['unit']): boolean {
  if (unit === 'ms' || unit === 's') return parseDuration(explicit) === parseDuration(converted);
  if (unit === 'bytes') return parseByteSize(explicit) === parseByteSize(converted);
  return explicit.trim() === converted.trim();
}

const UNIT_WORD = { ms: 'milliseconds', s: 'seconds' } as const;

/** Applies `aliases` to `env` (which is not changed). */
export function resolveEnvAliases(env: Readonly<Record<string, string | undefined>>, aliases: readonly EnvAlias[]): ResolvedEnv {
  const out: Record<string, string | undefined> = { ...env };
  const deprecations: string[] = [];
  const problems: string[] = [];
  const movedFrom = new Map<string, string>();
  for (const alias of aliases) {
    const oldValue = env[alias.old];
    if (blank(oldValue)) continue;
    if (alias.unit === 'kept') {
      deprecations.push(`${alias.old} is deprecated: ${alias.hint ?? `set ${alias.name} instead`}`);
      continue;
    }
    delete out[alias.old];
    const converted = convert(oldValue, alias.unit);
    if (converted === undefined) {
      const unit = alias.unit === 'ms' || alias.unit === 's' ? `a whole number of ${UNIT_WORD[alias.unit]}` : 'a byte size such as 1048576, 512kb, 64mb or 1gb';
      problems.push(`${alias.old}: must be ${unit} (got ${JSON.stringify(isSecretName(alias.old) ? '***' : oldValue)}); it is the deprecated name of ${alias.name}, which is what to set`);
      continue;
    }
    const explicit = env[alias.name];
    if (!blank(explicit) && !same(explicit, converted, alias.unit)) {
      problems.push(`${alias.old} and ${alias.name} are both set, differently (${shown(alias.old, oldValue)}, ${shown(alias.name, explicit)}): ${alias.old} is the deprecated name of ${alias.name}; keep ${alias.name} only`);
      continue;
    }
    if (blank(explicit)) {
      out[alias.name] = converted;
      movedFrom.set(alias.name, alias.old);
    }
    const unitNote = alias.unit === 'ms' || alias.unit === 's' ? ` (a duration such as 30s; ${shown(alias.old, oldValue)} reads as ${alias.name}=${converted})` : '';
    deprecations.push(`${alias.old} is deprecated: set ${alias.name} instead${unitNote}${blank(explicit) ? '' : `; ${alias.name} is set too and wins`}`);
  }
  return { env: out, deprecations, problems, movedFrom };
}

const ALIASES = new WeakMap<z.ZodType, readonly EnvAlias[]>();

/** Declares the deprecated names `schema` still accepts; `parseConfig` applies them. Returns `schema`. */
export function withEnvAliases<S extends z.ZodType>(schema: S, aliases: readonly EnvAlias[]): S {
  const names = new Set<string>();
  for (const alias of aliases) {
    if (names.has(alias.old)) throw new Error(`${alias.old} is declared as an alias twice`);
    names.add(alias.old);
  }
  ALIASES.set(schema, aliases);
  return schema;
}

/** The deprecated names `schema` accepts (none unless declared with {@link withEnvAliases}). */
export function envAliasesOf(schema: z.ZodType): readonly EnvAlias[] {
  return ALIASES.get(schema) ?? [];
}
