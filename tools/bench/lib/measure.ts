/**
 * Throughput and memory measurement for benchmarks. Throughput is the best of several timed runs
 * after warm-up (the least disturbed run on a shared machine); memory is sampled during a separate
 * run so sampling does not slow the timed ones.
 */

export interface Throughput {
  bestMs: number;
  medianMs: number;
}

export function measureThroughput(run: () => void, { warmup = 3, runs = 7 } = {}): Throughput {
  for (let i = 0; i < warmup; i++) run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { bestMs: times[0]!, medianMs: times[Math.floor(times.length / 2)]! };
}

export interface MemoryGrowth {
  /** Highest heap use seen during the run, above the heap before it (garbage included). */
  peakHeapBytes: number;
  /** Highest resident set size seen during the run, above the RSS before it. */
  peakRssBytes: number;
  /** Heap still held once the run is over and garbage collected (the result, and any leak). */
  retainedHeapBytes: number;
}

/**
 * Runs `run`, which calls `sample()` as it goes (e.g. after each chunk), and reports peak growth
 * over the state before it. Needs `--expose-gc` for meaningful figures.
 */
export function measureMemory<T>(run: (sample: () => void) => T): MemoryGrowth {
  collectGarbage();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const sample = () => {
    const now = process.memoryUsage();
    if (now.heapUsed > peakHeap) peakHeap = now.heapUsed;
    if (now.rss > peakRss) peakRss = now.rss;
  };
  const result = run(sample);
  sample();
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  // Read after the collection, so the result is still reachable while retained heap is measured.
  void result;
  return { peakHeapBytes: peakHeap - before.heapUsed, peakRssBytes: peakRss - before.rss, retainedHeapBytes: after - before.heapUsed };
}

export function canCollectGarbage(): boolean {
  return typeof globalThis.gc === 'function';
}

function collectGarbage(): void {
  globalThis.gc?.();
}

/** Splits `bytes` into views of `size` bytes (no copies), as a socket would deliver them. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}
