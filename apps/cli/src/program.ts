import type { Readable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import type { TurnStore } from '@tapes/storage';
import type { CliCommand, CommandContext } from './cli-command';
import { COMMANDS } from './commands';
import { CliError, EXIT } from './exit-codes';
import { createOutput, type Output, type OutputStreams } from './io/output';
import { describeStore, openStore } from './open-store';
import { resolveSettings, type CliSettings } from './settings';
import { HttpSource, readApiBase } from './source/http-source';
import { LocalSource } from './source/local-source';
import type { Source } from './source/source';

export interface CliIo extends OutputStreams {
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where SIGINT comes from (the process; tests pass an emitter). */
  signals?: NodeJS.EventEmitter;
}

const VERSION = '0.1.0';

/** Options every command takes, declared on each (so they work after the command word too). */
function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'read from a running proxy or ingest instead of the local store (its read API; a bare origin means a proxy)').env('TAPES_URL'))
    .addOption(new Option('--database <url>', 'the store: postgresql://… or a SQLite file (default <data-dir>/tapes.db)').env('DATABASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'the embedded store, the proxy’s journal and its pid/port file (default ~/.tapes)').env('TAPES_DATA_DIR'))
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'no colours (also NO_COLOR=1; off when not a terminal)');
}

/**
 * Builds the commander program from {@link COMMANDS} and runs it. Resolves with the exit code
 * (README "Exit codes"); never calls process.exit, so tests can run it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('tapes')
    .description('tapes records every LLM call a coding agent makes. Start an agent through it, then list, show and search what was captured.')
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  addCommonOptions(program);
  program.addHelpText('after', '\nExit codes: 0 ok · 1 failure · 2 usage · 3 not found · 4 unavailable · 5 unauthorized · 127 agent not found · 130 interrupted.\n`tapes start` exits with the agent’s own code.');

  for (const spec of COMMANDS) {
    const command = new Command(spec.name).exitOverride().configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
    spec.configure(command);
    addCommonOptions(command);
    command.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      exitCode = await runCommand(spec, params.slice(0, -2), self.optsWithGlobals(), io);
    });
    program.addCommand(command);
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help and --version end here with code 0; everything else commander refuses is a usage error.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
    return EXIT.usage;
  }
  return exitCode;
}

async function runCommand(spec: CliCommand, args: unknown[], options: Record<string, unknown>, io: CliIo): Promise<number> {
  const out = createOutput(io, io.env, { json: options['json'] === true, noColor: options['color'] === false });
  const cleanups: Array<() => Promise<void> | void> = [];
  const abort = new AbortController();
  const signals = io.signals ?? process;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    abort.abort();
    if (interrupts === 1) out.note(out.errColor.dim('stopping… (Ctrl-C again to quit at once)'));
    else process.exit(EXIT.interrupted);
  };
  if (!spec.ownsSignals) signals.on('SIGINT', onInterrupt);

  try {
    const settings = resolveSettings({ url: options['url'] as string | undefined, database: options['database'] as string | undefined, dataDir: options['dataDir'] as string | undefined }, io.env, io.cwd);
    const context = createContext(settings, out, io, abort.signal, cleanups);
    const code = await spec.run(context, { args, options });
    return abort.signal.aborted && !spec.ownsSignals ? EXIT.interrupted : (code ?? EXIT.ok);
  } catch (err) {
    if (abort.signal.aborted && !spec.ownsSignals) return EXIT.interrupted;
    return report(err, out, io.env);
  } finally {
    signals.off('SIGINT', onInterrupt);
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        out.note(`tapes: while closing: ${(err as Error).message}`);
      }
    }
  }
}

function createContext(settings: CliSettings, out: Output, io: CliIo, signal: AbortSignal, cleanups: Array<() => Promise<void> | void>): CommandContext {
  let store: Promise<TurnStore> | undefined;
  let source: Promise<Source> | undefined;
  const openLocal = (migrate: boolean): Promise<TurnStore> => {
    store ??= openStore(settings, { migrate }).then((opened) => {
      cleanups.push(() => opened.close());
      return opened;
    });
    return store;
  };
  return {
    settings,
    out,
    env: io.env,
    cwd: io.cwd,
    stdin: io.stdin,
    signal,
    onClose: (cleanup) => void cleanups.push(cleanup),
    store: (options = {}) => {
      if (settings.url) return Promise.reject(new CliError(EXIT.usage, 'this command works on the store itself, not over --url/TAPES_URL', { hint: 'drop --url (unset TAPES_URL) and give --database or --data-dir' }));
      return openLocal(options.migrate ?? true);
    },
    source: () => {
      source ??= settings.url
        ? Promise.resolve(new HttpSource(readApiBase(settings.url), settings.token))
        : openLocal(true).then((opened) => new LocalSource(opened, describeStore(settings)));
      return source;
    },
  };
}

/** Prints a failure on stderr and picks its exit code: a CliError says which; anything else is 1. */
function report(err: unknown, out: Output, env: NodeJS.ProcessEnv): number {
  const c = out.errColor;
  if (err instanceof CliError) {
    if (out.json) out.note(JSON.stringify({ error: { exit_code: err.exitCode, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } }));
    else {
      out.note(`${c.red('tapes:')} ${err.message}`);
      if (err.hint) out.note(c.dim(`  ${err.hint}`));
    }
    return err.exitCode;
  }
  const error = err instanceof Error ? err : new Error(String(err));
  if (out.json) out.note(JSON.stringify({ error: { exit_code: EXIT.failure, message: error.message } }));
  else out.note(`${c.red('tapes:')} ${error.message}`);
  if (env['TAPES_DEBUG']) out.note(error.stack ?? '');
  return EXIT.failure;
}

