import type { Writable } from 'node:stream';
import { colorsFor, type Colors } from './colors';

/** Where a command writes, and how: the two streams, their colours, and whether the user asked for JSON. */
export interface Output {
  /** `--json`: stdout carries exactly one JSON document (or JSON lines where a command says so), nothing else. */
  readonly json: boolean;
  /** Colours for stdout (plain when piped, NO_COLOR or --no-color). */
  readonly color: Colors;
  /** Colours for stderr. */
  readonly errColor: Colors;
  /** stdout is a terminal (tables fit its width, progress bars may draw). */
  readonly interactive: boolean;
  /** stderr is a terminal: progress bars draw there, never on stdout. */
  readonly errInteractive: boolean;
  /** The width tables fit: the terminal's, or unbounded when stdout is not one. */
  readonly columns: number;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** One line on stdout. */
  line(text?: string): void;
  /** A JSON document on stdout (pretty when a person reads it). */
  writeJson(value: unknown): void;
  /** A note on stderr: progress, where things are, hints. Never mixed into stdout's data. */
  note(text: string): void;
}

export interface OutputStreams {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
}

export function createOutput(streams: OutputStreams, env: NodeJS.ProcessEnv, flags: { json: boolean; noColor: boolean }): Output {
  const { stdout, stderr } = streams;
  return {
    json: flags.json,
    color: colorsFor(stdout, env, flags.noColor),
    errColor: colorsFor(stderr, env, flags.noColor),
    interactive: stdout.isTTY === true,
    errInteractive: stderr.isTTY === true,
    // A pipe or a file gets whole lines (grep, less -S); a terminal gets tables that fit it.
    columns: stdout.isTTY ? (stdout.columns && stdout.columns > 20 ? stdout.columns : 100) : 10_000,
    stdout,
    stderr,
    line: (text = '') => void stdout.write(`${text}\n`),
    writeJson: (value) => void stdout.write(`${JSON.stringify(value, null, stdout.isTTY ? 2 : 0)}\n`),
    note: (text) => void stderr.write(`${text}\n`),
  };
}
