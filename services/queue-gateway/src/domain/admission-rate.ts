/*
 * The admission rate is an exponentially weighted moving average of admissions per second, like the
 * Unix load average: recent ticks weigh most, and a burst of admissions is smoothed over the window
 * instead of making the estimated wait jump on every tick. The update itself runs inside the admission
 * Lua script (so concurrent ticks cannot lose an update); this module holds the parameters and the
 * read-side decay, so both sides agree on one definition.
 */

/** Time constant of the average: admissions older than a few of these barely count any more. */
export const ADMISSION_RATE_WINDOW_MS = 30_000;

/**
 * The rate as of `now`, given the rate stored at the last tick. Time since that tick counts as time
 * without admissions, so a stalled admitter shows as a falling rate rather than a frozen one.
 */
export function decayedAdmissionRate(storedRatePerSecond: number, lastTickAt: number | undefined, now: number): number {
  if (lastTickAt === undefined || !Number.isFinite(storedRatePerSecond) || storedRatePerSecond <= 0) return 0;
  const elapsed = Math.max(0, now - lastTickAt);
  return storedRatePerSecond * Math.exp(-elapsed / ADMISSION_RATE_WINDOW_MS);
}

/**
 * Admissions per second the queue turns over when every active user keeps their slot for the full TTL.
 * Every slot frees itself by then at the latest, so while people wait (and the admitter runs) the
 * queue never moves slower than this: a safe floor for the wait estimate.
 */
export function capacityTurnoverRate(maxActive: number, activeTtlSeconds: number): number {
  return activeTtlSeconds > 0 ? maxActive / activeTtlSeconds : 0;
}
