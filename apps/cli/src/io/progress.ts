import { SingleBar } from 'cli-progress';
import type { Output } from './output';

export interface Progress {
  /** Moves the bar to `done` of `total` (total may grow: work found while walking). */
  update(done: number, total: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on stderr (cli-progress) for long work. Drawn only when stderr is a terminal and
 * the output is not JSON: a pipe or a log file gets no redraw garbage, and stdout stays data.
 */
export function createProgress(out: Output, label: string): Progress {
  if (!out.errInteractive || out.json) return { update: () => undefined, stop: () => undefined };
  const c = out.errColor;
  const bar = new SingleBar({
    stream: out.stderr,
    format: `${label} ${c.cyan('{bar}')} {value}/{total} {percentage}% · eta {eta_formatted} {changed}`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(done, total, payload = {}) {
      const values = { changed: '', ...payload };
      if (!started) {
        bar.start(total, done, values);
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, values);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
