import { AppError } from '@ticketing/service-kit/errors';
import { jitteredBackoff, pause } from './backoff';

/** What one optimistic attempt answers when the row moved under it (its version is no longer the one read). */
export const STALE = Symbol('stale version');

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Ceiling of the pause between two attempts. */
  maxDelayMs: number;
}

const FIRST_DELAY_MS = 2;

/**
 * Runs `attempt` (read the row, then write it only if its version is unchanged) until it is not stale.
 * Losers back off with jitter, so a burst on one balance row spreads out instead of colliding again; when
 * every attempt lost, the caller gets 409 PAYMENT.CONCURRENT_UPDATE, which is safe to retry (nothing was
 * written).
 */
export async function withOptimisticRetry<T>(policy: RetryPolicy, attempt: () => Promise<T | typeof STALE>, onRetry: () => void): Promise<T> {
  for (let n = 1; ; n++) {
    const result = await attempt();
    if (result !== STALE) return result;
    if (n >= policy.maxAttempts) {
      throw new AppError('PAYMENT.CONCURRENT_UPDATE', 'The balance kept changing under this request; retry it');
    }
    onRetry();
    await pause(jitteredBackoff(n, FIRST_DELAY_MS, policy.maxDelayMs));
  }
}
