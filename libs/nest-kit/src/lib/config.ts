import type { z } from 'zod';

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

/**
 * Parses the environment once, at start-up, with the app's zod schema. Every bad key is reported
 * at once (not just the first), and the result is frozen: nothing else in an app reads
 * `process.env`.
 */
export function parseConfig<S extends z.ZodType>(app: string, schema: S, env: Record<string, string | undefined> = process.env): Readonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(root)';
      const got = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
      const shown = got === undefined ? '' : ` (got ${JSON.stringify(isSecretKey(key) ? '***' : got)})`;
      return `${key}: ${issue.message}${shown}`;
    });
    throw new ConfigError(app, problems);
  }
  return Object.freeze(result.data) as Readonly<z.output<S>>;
}

function isSecretKey(key: string): boolean {
  return /TOKEN|SECRET|PASSWORD|KEY/i.test(key);
}
