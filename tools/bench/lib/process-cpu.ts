import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU time of other processes on this machine (Linux /proc), for benchmarks that size a component
 * by the CPU it spends rather than by wall-clock throughput alone: on a shared, loaded machine the
 * wall clock says how busy the machine was, CPU seconds per unit of work say what the work costs.
 */

let ticks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (CLK_TCK, 100 on Linux). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** User + system CPU seconds process `pid` has used so far; undefined when it is gone or unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3,
    // utime 14 and stime 15, so 11 and 12 after the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Whether this machine exposes /proc/<pid>/stat (Linux). */
export function canReadProcessCpu(): boolean {
  return processCpuSeconds(process.pid) !== undefined;
}

/**
 * Sums the CPU time a changing set of processes spends between `start()` and `stop()`: the set is
 * re-read every `intervalMs` (a pool opens connections, PostgreSQL starts a backend per connection),
 * and each process counts from its first sighting to its last. CPU a process spent before it was
 * first seen is not counted, nor what one spent after its last sample before exiting, so sample often.
 */
export class CpuMeter {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly pids: () => Promise<readonly number[]> | readonly number[],
    private readonly intervalMs = 200,
  ) {}

  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample()).catch(() => undefined);
    }, this.intervalMs);
  }

  /** CPU seconds the processes spent since `start()`, and how many processes were seen. */
  async stop(): Promise<{ seconds: number; processes: number }> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    let seconds = 0;
    for (const [pid, from] of this.first) seconds += (this.last.get(pid) ?? from) - from;
    return { seconds, processes: this.first.size };
  }

  private async sample(): Promise<void> {
    for (const pid of await this.pids()) {
      const cpu = processCpuSeconds(pid);
      if (cpu === undefined) continue;
      if (!this.first.has(pid)) this.first.set(pid, cpu);
      this.last.set(pid, cpu);
    }
  }
}
