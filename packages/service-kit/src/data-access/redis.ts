import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../health/readiness';

/**
 * An ioredis client that fails commands fast while disconnected (no offline queue piling up requests
 * during an outage, so callers and circuit breakers see the failure at once) and keeps reconnecting.
 */
export function createRedisClient(url: string, logger: Logger, overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...overrides,
  });
  let reported = false;
  client.on('error', (error) => {
    // Reconnect attempts repeat the same error; log once per outage.
    if (!reported) logger.warn({ err: error }, 'redis connection error');
    reported = true;
  });
  client.on('ready', () => {
    if (reported) logger.info('redis connection restored');
    reported = false;
  });
  return client;
}

/**
 * A client for BullMQ's workers: their blocking commands must wait across an outage (BullMQ requires
 * maxRetriesPerRequest: null), and a worker sends one at a time, so its offline queue cannot pile up.
 * Producers (BullMQ queues) take `createRedisClient` instead and fail fast while Redis is away.
 */
export function createWorkerRedisClient(url: string, logger: Logger): Redis {
  return createRedisClient(url, logger, { maxRetriesPerRequest: null, enableOfflineQueue: true });
}

export function redisReadiness(client: Redis): ReadinessCheck {
  return { name: 'redis', check: () => client.ping() };
}

/** Closes gracefully (QUIT) when connected, otherwise just stops reconnecting. Safe to call twice. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
