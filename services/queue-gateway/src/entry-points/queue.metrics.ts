import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the queue reports to Prometheus; shared by the HTTP routes and the admission job. */
export interface QueueMetrics {
  admittedTotal: Counter;
  droppedTotal: Counter;
  admittedPerTick: Histogram;
  /** Requests refused with 429, by the limit that refused them (`address`, `user`: token issues; `hold`, `payment`). */
  rateLimitedTotal: Counter<'limit'>;
  /** The admission limit this instance admits up to. */
  admissionLimit: Gauge;
  /** Moves of the adaptive limit, by reason (`healthy`, `slow`, `failing`). */
  limitChangesTotal: Counter<'reason'>;
  /** Makes the queue_waiting / queue_active gauges read live counts at scrape time. */
  readCountsFrom(source: () => Promise<{ waiting: number; active: number }>): void;
}

const byRegistry = new WeakMap<Registry, QueueMetrics>();

/**
 * The queue's metrics in `registry`, created on first use and shared afterwards (the routes and the job
 * both ask, and prom-client refuses a second metric of the same name).
 */
export function queueMetrics(registry: Registry): QueueMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;

  let source: (() => Promise<{ waiting: number; active: number }>) | undefined;
  let last = { waiting: 0, active: 0 };
  // One read of both counts per scrape; a failing Redis keeps the last values rather than failing
  // /metrics, which must keep answering during exactly that outage.
  let reading: Promise<void> | undefined;
  const refresh = () => {
    reading ??= (source?.() ?? Promise.resolve(last))
      .then((counts) => { last = counts; })
      .catch(() => undefined)
      .finally(() => { reading = undefined; });
    return reading;
  };
  // Read from Redis, the same in every gateway process: merged across processes by max, not summed.
  const waiting = new Gauge({ name: 'queue_waiting', help: 'Users waiting in line', registers: [registry], aggregator: 'max', collect: async () => { await refresh(); waiting.set(last.waiting); } });
  const active = new Gauge({ name: 'queue_active', help: 'Users holding an active slot', registers: [registry], aggregator: 'max', collect: async () => { await refresh(); active.set(last.active); } });

  const metrics: QueueMetrics = {
    admittedTotal: new Counter({ name: 'queue_admitted_total', help: 'Users admitted from the line (by this instance)', registers: [registry] }),
    droppedTotal: new Counter({ name: 'queue_dropped_total', help: 'Waiting users dropped for not polling (by this instance)', registers: [registry] }),
    admittedPerTick: new Histogram({
      name: 'queue_admitted_per_tick',
      help: 'Users admitted by one admission tick',
      buckets: [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    rateLimitedTotal: new Counter({ name: 'queue_token_rate_limited_total', help: 'Requests refused by a rate limit (address, user: token issues; hold, payment)', labelNames: ['limit'] as const, registers: [registry] }),
    // Each process has its controller; the highest is the one admissions may reach.
    admissionLimit: new Gauge({ name: 'queue_admission_limit', help: 'Users allowed to be active at once (adaptive or fixed)', registers: [registry], aggregator: 'max' }),
    limitChangesTotal: new Counter({ name: 'queue_admission_limit_changes_total', help: 'Moves of the adaptive admission limit', labelNames: ['reason'] as const, registers: [registry] }),
    readCountsFrom: (next) => { source = next; },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
