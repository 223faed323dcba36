import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CliError, EXIT } from './exit-codes';

/** Signals tapes passes on to the agent when they are sent to tapes alone (`kill <pid>`, a closed terminal). */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export interface AgentExit {
  /** What tapes exits with: the agent's code, or 128 + the signal's number when a signal ended it (as a shell reports it). */
  code: number;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the agent in the foreground with tapes' own stdin, stdout and stderr (inherited: the agent
 * sees the terminal itself, raw mode and all), and resolves when it exits.
 *
 * Ctrl-C: the terminal sends SIGINT to the whole foreground process group — the agent and tapes
 * alike — so tapes ignores it while the agent runs (Claude Code's "press Ctrl-C again to exit"
 * works as without tapes) and only passes on a SIGINT sent to tapes alone, i.e. when its stdin is
 * not a terminal. Other terminating signals sent to tapes are passed on; tapes then waits for the
 * agent to exit and reports that.
 */
export function runAgent(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, stdinIsTty: boolean): Promise<AgentExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: 'inherit' });
    const handlers = new Map<NodeJS.Signals, () => void>();
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of FORWARDED) handlers.set(signal, forward(signal));
    handlers.set('SIGINT', stdinIsTty ? () => undefined : forward('SIGINT'));
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err.code === 'ENOENT') reject(new CliError(EXIT.agentNotFound, `${command}: not found on PATH`, { hint: `install ${command}, or put it on PATH` }));
      else if (err.code === 'EACCES') reject(new CliError(EXIT.agentNotFound, `${command}: not executable (${err.message})`));
      else reject(err);
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve({ code: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), signal });
    });
  });
}
