import { capacityTurnoverRate } from './admission-rate';

/** A day: beyond this an estimate means nothing to a person, and clamping keeps it a small safe integer. */
export const MAX_ESTIMATED_WAIT_SECONDS = 86_400;

/**
 * Seconds until a user at `position` is likely to be admitted, as a whole number ≥ 0 (0 when active,
 * i.e. position 0).
 *
 * It divides the position by the measured admission rate. When little or nothing was admitted recently
 * (an empty queue, a fresh start, a stalled admitter) the measured rate says nothing about how fast the
 * line will move, so the rate used is never below `fallbackRatePerSecond`: the capacity turnover
 * (max active / active TTL), the pace at which slots free themselves even if every admitted user stays
 * for the whole TTL. The estimate therefore errs long rather than promising a wait the queue cannot keep.
 */
export function estimatedWaitSeconds(position: number, measuredRatePerSecond: number, fallbackRatePerSecond: number): number {
  if (!(position > 0)) return 0;
  const measured = Number.isFinite(measuredRatePerSecond) ? measuredRatePerSecond : 0;
  const rate = Math.max(measured, fallbackRatePerSecond);
  if (!(rate > 0)) return MAX_ESTIMATED_WAIT_SECONDS;
  return Math.min(MAX_ESTIMATED_WAIT_SECONDS, Math.ceil(position / rate));
}

/**
 * The estimate as the routes give it: the measured rate when known, never below the capacity turnover
 * of the admission limit in force (`limit()`, which may move) over the active TTL.
 */
export function waitEstimator(activeTtlSeconds: number, limit: () => number): (position: number, measuredRatePerSecond: number | undefined) => number {
  return (position, measured) => estimatedWaitSeconds(position, measured ?? 0, capacityTurnoverRate(limit(), activeTtlSeconds));
}

/** Whole seconds from `now` until `at` (0 once it has passed): a pre-queue's wait for its opening. */
export const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1_000));
