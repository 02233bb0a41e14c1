import { z } from 'zod';
import { NonNegativeInt } from '../primitives';

/** A histogram's cumulative buckets: upper bounds in seconds (-1 for +Inf) and the counts up to each. */
export const HistogramBuckets = z.strictObject({ le: z.array(z.number()), counts: z.array(z.number().nonnegative()) });
export type HistogramBuckets = z.infer<typeof HistogramBuckets>;

const Count = z.number().nonnegative().nullable();

/**
 * `GET /ops/snapshot` on the gateway (operator credential): what the dashboard at `/ops` draws, read
 * from the services' own metrics. Counters are totals (the page turns two snapshots into rates); a
 * figure is null when the service that has it did not answer.
 */
export const OpsSnapshot = z.strictObject({
  at: NonNegativeInt,
  queue: z
    .strictObject({
      waiting: NonNegativeInt,
      active: NonNegativeInt,
      limit: NonNegativeInt,
      admissionRatePerSecond: z.number().nonnegative(),
      connectedWaiters: NonNegativeInt,
      breaker: z.string(),
    })
    .nullable(),
  admitted: Count,
  payments: Count,
  fallbacks: Count,
  deadLetters: Count,
  outboxBacklog: Count,
  consumerLag: Count,
  /** The gateway's view of booking (holds) and payment (pay) latency. */
  holdLatency: HistogramBuckets,
  payLatency: HistogramBuckets,
});
export type OpsSnapshot = z.infer<typeof OpsSnapshot>;
