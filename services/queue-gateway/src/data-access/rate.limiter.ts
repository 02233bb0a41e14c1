import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger, RedisClient } from '@ticketing/service-kit';

/** At most `points` calls per `windowSeconds`; `points: 0` means no limit. */
export interface RateLimit {
  points: number;
  windowSeconds: number;
}

/** One call counted: let it through, or refuse it until the window has room again. */
export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts one call for a key (a user id, a client address) and says whether it is within the limit. */
export type KeyedLimit = (key: string) => Promise<LimitVerdict>;

export interface KeyedLimitOptions {
  redis: RedisClient;
  /** Full Redis key prefix, e.g. `queue:rl:user`; keys are `<prefix>:<key>`. */
  keyPrefix: string;
  limit: RateLimit;
  logger: Logger;
}

const ALLOWED: LimitVerdict = { allowed: true };

/**
 * A fixed-window counter in Redis (rate-limiter-flexible: one Lua call, INCR with the window as TTL),
 * shared by every gateway instance. While Redis is unreachable the same limit is counted in this
 * process's memory instead (the "insurance" limiter): still a limit, per instance rather than global,
 * and never a 5xx. Should even that fail, the call is let through and logged: the limiter protects the
 * queue, it must not become the outage.
 */
export function keyedLimit(options: KeyedLimitOptions): KeyedLimit {
  const { points, windowSeconds } = options.limit;
  if (points === 0) return async () => ALLOWED;
  const logger = options.logger.child({ component: 'rate-limit', keyPrefix: options.keyPrefix });
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: options.keyPrefix,
    points,
    duration: windowSeconds,
    // While the client is not connected, go straight to the insurance limiter instead of failing a command.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: options.keyPrefix, points, duration: windowSeconds }),
  });
  return async (key) => {
    try {
      await limiter.consume(key);
      return ALLOWED;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
      logger.warn({ err: outcome }, 'rate limit could not be counted; letting the call through');
      return ALLOWED;
    }
  };
}
