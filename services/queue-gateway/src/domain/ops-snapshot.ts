import type { HistogramBuckets } from '@ticketing/contracts';

/*
 * The operator dashboard's figures, read from the services' own Prometheus metrics (the same numbers
 * Grafana shows): one snapshot a second; rates and percentiles come from the difference between two
 * snapshots, in the page.
 */

/** The dashboard's panels, in order: the page at /ops and the Grafana dashboard (infra/grafana) show these. */
export const OPS_PANELS = [
  'Waiting',
  'Admitted per second',
  'Active vs admission limit',
  'ETA model',
  'Breaker and fallback',
  'Booking and payment latency p95',
  'Payments per second',
  'Outbox backlog',
  'Consumer lag',
  'Dead letters',
] as const;

/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format (comments and malformed lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const matches = (sample: Sample, name: string, where: Readonly<Record<string, string>>) =>
  sample.name === name && Object.entries(where).every(([key, value]) => sample.labels[key] === value);

/**
 * The sum of the samples called `name` whose labels include `where` (0 when none has been recorded yet);
 * null when there are no samples at all (the service did not answer).
 */
export function total(samples: readonly Sample[] | undefined, name: string, where: Readonly<Record<string, string>> = {}): number | null {
  if (!samples) return null;
  return samples.reduce((sum, sample) => (matches(sample, name, where) ? sum + sample.value : sum), 0);
}

/** A histogram's cumulative buckets (the contract's shape), summed over the other labels. */
export type Buckets = HistogramBuckets;

export function buckets(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>>): Buckets {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (!matches(sample, `${name}_bucket`, where)) continue;
    const bound = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
  }
  const le = [...byBound.keys()].sort((a, b) => a - b);
  return { le: le.map((bound) => (bound === Infinity ? -1 : bound)), counts: le.map((bound) => byBound.get(bound)!) };
}

/**
 * The value below which `quantile` of the observations between two snapshots of one histogram fall,
 * from their bucket counts (the upper bound of the bucket it lands in, as Prometheus' histogram_quantile
 * without the interpolation); null with no observations.
 */
export function quantileBetween(before: Buckets | undefined, after: Buckets, quantile: number): number | null {
  const counts = after.counts.map((count, i) => count - (before?.le[i] === after.le[i] ? (before?.counts[i] ?? 0) : 0));
  const all = counts[counts.length - 1] ?? 0;
  if (all <= 0) return null;
  const index = counts.findIndex((count) => count >= quantile * all);
  const bound = after.le[index] ?? -1;
  return bound === -1 ? (after.le[after.le.length - 2] ?? null) : bound;
}
