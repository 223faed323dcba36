/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** Every sample of `name` (the bare name: counters as exported, `tapes_proxy_turns_dropped_total`). */
export function metricSamples(exposition: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const labelText = open === -1 ? '' : line.slice(open + 1, close);
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    samples.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  return metricSamples(exposition, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** `name`'s samples summed per value of `label`, zero entries left out: `{ upstream_status: 3 }`. */
export function metricByLabel(exposition: string, name: string, label: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const sample of metricSamples(exposition, name)) {
    const key = sample.labels[label] ?? '';
    if (sample.value !== 0) totals[key] = (totals[key] ?? 0) + sample.value;
  }
  return totals;
}
