import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { TurnStore } from '@tapes/storage';
import type { Output } from './io/output';
import type { CliSettings } from './settings';
import type { Source } from './source/source';

/**
 * What a command gets to work with. Commands never read process.env, process.argv or the real
 * stdout themselves: the runner hands them these, so tests can run a command in-process as well as
 * spawn `tapes`.
 */
export interface CommandContext {
  readonly settings: CliSettings;
  readonly out: Output;
  /** The environment tapes was started with (an agent launched by `start` inherits it). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdin: Readable;
  /** Aborted on Ctrl-C (unless the command handles signals itself): stop between units of work. */
  readonly signal: AbortSignal;
  /** Sessions and turns from the local store, or over HTTP with `--url`; closed after the command. */
  source(): Promise<Source>;
  /** The local store itself, for commands that write or inspect it (`rederive`); refuses `--url`. */
  store(options?: { migrate?: boolean }): Promise<TurnStore>;
  /** Runs after the command (also after a failure): close what it opened. */
  onClose(cleanup: () => Promise<void> | void): void;
}

/** A command's parsed input: positional arguments in declaration order, then commander's options. */
export interface CommandInput {
  args: unknown[];
  options: Record<string, unknown>;
}

/**
 * One `tapes` command. Adding a command = one file under commands/ exporting a CliCommand, plus one
 * line in commands/index.ts (COMMANDS). See apps/cli/README.md "Adding a command".
 */
export interface CliCommand {
  /** The word after `tapes`. */
  readonly name: string;
  /**
   * Declares the command on `command` (already named): `.summary()`, `.description()`, arguments,
   * options, `.addHelpText('after', examples)`. `--help`, `--json`, `--url`… are added by the runner.
   */
  configure(command: Command): void;
  /**
   * Runs the command. Returns the exit code (nothing = 0) or throws a CliError (its code, its message
   * on stderr). Options are as commander parsed them: validate anything richer (dates, enums) with
   * the helpers in options.ts, which throw usage errors (exit 2) naming the option.
   */
  run(context: CommandContext, input: CommandInput): Promise<number | void>;
  /**
   * The command forwards signals itself (`start` passes Ctrl-C on to the agent and waits for it);
   * the runner then installs no SIGINT handler of its own.
   */
  readonly ownsSignals?: boolean;
}
