/**
 * What `tapes` exits with (the table in apps/cli/README.md is this one, word for word). Scripts
 * branch on these, so a number, once given a meaning, keeps it.
 * `tapes start` is the exception by design: once the agent runs, tapes exits with the agent's own
 * code (the agent must behave exactly as without tapes); these codes are only for tapes' own failures
 * before the agent started.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The command ran and failed, or found problems (`doctor`). */
  failure: 1,
  /** Bad usage: unknown command or option, missing or invalid argument. */
  usage: 2,
  /** The session, turn or node named does not exist. */
  notFound: 3,
  /** The store, proxy or server could not be reached (retry later, or see `tapes doctor`). */
  unavailable: 4,
  /** The server refused the credentials (TAPES_READ_TOKEN missing or wrong). */
  unauthorized: 5,
  /** `tapes start`: the agent's executable was not found on PATH (as a shell says 127). */
  agentNotFound: 127,
  /** Interrupted by Ctrl-C (SIGINT), as a shell reports it: 128 + 2. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure that ends the command with a given exit code and one message for stderr (no stack). */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: ErrorOptions & { hint?: string },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.hint = options?.hint;
  }

  /** A next step for the user, printed under the message ("run `tapes doctor`"). */
  readonly hint: string | undefined;
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(EXIT.usage, message, { hint });
}
