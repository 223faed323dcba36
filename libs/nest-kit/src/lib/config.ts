import type { z } from 'zod';
import { envAliasesOf, resolveEnvAliases } from './env-aliases';

/** The injection token of an app's validated, frozen configuration. */
export const TAPES_CONFIG = Symbol('TAPES_CONFIG');

/** Start-up configuration is invalid; `problems` names every bad key. */
export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: string[],
  ) {
    super(`${app}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DEPRECATIONS = new WeakMap<object, readonly string[]>();

/**
 * Parses the environment once, at start-up, with the app's zod schema. Deprecated names the schema
 * declares (`withEnvAliases`) are read as their new names first. Every bad key is reported at once
 * (not just the first), and the result is frozen: nothing else in an app reads `process.env`.
 * What to warn about (old names in use) is kept for {@link configDeprecations}, for the app to log
 * once its logger exists.
 */
export function parseConfig<S extends z.ZodType>(app: string, schema: S, env: Record<string, string | undefined> = process.env): Readonly<z.output<S>> {
  const resolved = resolveEnvAliases(env, envAliasesOf(schema));
  const result = schema.safeParse(resolved.env);
  const problems = [...resolved.problems];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.') || '(root)';
      const got = issue.path.length === 1 ? resolved.env[String(issue.path[0])] : undefined;
      const from = resolved.movedFrom.get(key);
      const shown = got === undefined ? '' : ` (got ${JSON.stringify(isSecretKey(key) ? '***' : got)}${from ? `, from its deprecated name ${from}` : ''})`;
      problems.push(`${key}: ${issue.message}${shown}`);
    }
  }
  if (problems.length || !result.success) throw new ConfigError(app, problems);
  const config = Object.freeze(result.data) as Readonly<z.output<S>>;
  if (resolved.deprecations.length && typeof config === 'object' && config !== null) DEPRECATIONS.set(config, resolved.deprecations);
  return config;
}

/** One warning per deprecated setting name `config` was parsed from (none for a config not from `parseConfig`). */
export function configDeprecations(config: object): readonly string[] {
  return DEPRECATIONS.get(config) ?? [];
}

function isSecretKey(key: string): boolean {
  return /TOKEN|SECRET|PASSWORD|KEY/i.test(key);
}
