import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * What the queue reports to Prometheus; shared by the HTTP routes and the admission job. Every line's
 * figures carry a `line` label: `site` for the site-wide line, the concert's id for a concert's line.
 */
export interface QueueMetrics {
  admittedTotal: Counter<'line'>;
  droppedTotal: Counter<'line'>;
  admittedPerTick: Histogram<'line'>;
  /** Requests refused with 429, by the limit that refused them (`address`, `user`: token issues; `hold`, `payment`). */
  rateLimitedTotal: Counter<'limit'>;
  /** The admission limit this instance admits up to, per line. */
  admissionLimit: Gauge<'line'>;
  /** Moves of the adaptive limit, by line and reason (`healthy`, `slow`, `failing`). */
  limitChangesTotal: Counter<'line' | 'reason'>;
  /** Makes the queue_waiting / queue_active gauges read `line`'s live counts at scrape time (again for a line replaces its source). */
  readCountsFrom(line: string, source: () => Promise<Counts>): void;
}

type Counts = { waiting: number; active: number };

const byRegistry = new WeakMap<Registry, QueueMetrics>();

/**
 * The queue's metrics in `registry`, created on first use and shared afterwards (the routes and the job
 * both ask, and prom-client refuses a second metric of the same name).
 */
export function queueMetrics(registry: Registry): QueueMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;

  const lines = new Map<string, { source: () => Promise<Counts>; last: Counts }>();
  // One read of every line's counts per scrape; a failing Redis keeps a line's last values rather than
  // failing /metrics, which must keep answering during exactly that outage.
  let reading: Promise<void> | undefined;
  const refresh = () => {
    reading ??= Promise.all(
      [...lines.values()].map((line) =>
        line.source().then(
          (counts) => { line.last = counts; },
          () => undefined,
        ),
      ),
    )
      .then(() => undefined)
      .finally(() => { reading = undefined; });
    return reading;
  };
  const gauge = (name: string, help: string, read: (counts: Counts) => number): Gauge<'line'> => {
    const metric: Gauge<'line'> = new Gauge({
      name,
      help,
      labelNames: ['line'] as const,
      registers: [registry],
      // Read from Redis, the same in every gateway process: merged across processes by max, not summed.
      aggregator: 'max',
      collect: async () => {
        await refresh();
        for (const [line, { last }] of lines) metric.set({ line }, read(last));
      },
    });
    return metric;
  };
  gauge('queue_waiting', 'Users waiting in line', (counts) => counts.waiting);
  gauge('queue_active', 'Users holding an active slot', (counts) => counts.active);

  const metrics: QueueMetrics = {
    admittedTotal: new Counter({ name: 'queue_admitted_total', help: 'Users admitted from the line (by this instance)', labelNames: ['line'] as const, registers: [registry] }),
    droppedTotal: new Counter({ name: 'queue_dropped_total', help: 'Waiting users dropped for not polling (by this instance)', labelNames: ['line'] as const, registers: [registry] }),
    admittedPerTick: new Histogram({
      name: 'queue_admitted_per_tick',
      help: 'Users admitted by one admission tick',
      buckets: [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000],
      labelNames: ['line'] as const,
      registers: [registry],
    }),
    rateLimitedTotal: new Counter({ name: 'queue_token_rate_limited_total', help: 'Requests refused by a rate limit (address, user: token issues; hold, payment)', labelNames: ['limit'] as const, registers: [registry] }),
    // Each process has its controller; the highest is the one admissions may reach.
    admissionLimit: new Gauge({ name: 'queue_admission_limit', help: 'Users allowed to be active at once (adaptive or fixed)', labelNames: ['line'] as const, registers: [registry], aggregator: 'max' }),
    limitChangesTotal: new Counter({ name: 'queue_admission_limit_changes_total', help: 'Moves of the adaptive admission limit', labelNames: ['line', 'reason'] as const, registers: [registry] }),
    readCountsFrom: (line, source) => { lines.set(line, { source, last: lines.get(line)?.last ?? { waiting: 0, active: 0 } }); },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
