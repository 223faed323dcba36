import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Colours for one output stream, decided once: off when NO_COLOR is set (https://no-color.org),
 * with `--no-color`, or when the stream is not a terminal (a pipe or a file gets plain text);
 * FORCE_COLOR turns them on anyway. picocolors' own default looks at stdout only, so a piped stdout
 * with a terminal stderr would be decided wrong for one of them.
 */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag: boolean): Colors {
  const forced = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0' && env['FORCE_COLOR'] !== 'false';
  const enabled = !noColorFlag && !env['NO_COLOR'] && (forced || (stream.isTTY === true && env['TERM'] !== 'dumb'));
  return picocolors.createColors(enabled);
}
