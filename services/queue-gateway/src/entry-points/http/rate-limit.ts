import { HttpHeaders } from '@ticketing/contracts';
import { AppError } from '@ticketing/service-kit';
import type { KeyedLimit } from '../../data-access/rate.limiter';

/**
 * Counts one call of `key` against `limit` and refuses it with `429 QUEUE.RATE_LIMITED` and a
 * `Retry-After` when it is over: the one way every gateway route says "slow down".
 * `what` names the calls in the message ("token requests from this user").
 */
export async function enforceLimit(limit: KeyedLimit, key: string, what: string, refused?: () => void): Promise<void> {
  const verdict = await limit(key);
  if (verdict.allowed) return;
  refused?.();
  throw new AppError('QUEUE.RATE_LIMITED', `Too many ${what}; retry after ${verdict.retryAfterSeconds} s`, {
    headers: { [HttpHeaders.RetryAfter]: String(verdict.retryAfterSeconds) },
  });
}
