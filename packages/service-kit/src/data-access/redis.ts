import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../health/readiness';

/** A client of one Redis server or of a Redis Cluster: the commands, scripts and pub/sub are the same. */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is: one server's URL, or with `clusterNodes` (`host:port` seeds, REDIS_CLUSTER_NODES) a
 * Redis Cluster, whose client finds the other masters and follows slot moves and failovers by itself.
 */
export interface RedisTarget {
  url: string;
  clusterNodes?: readonly string[];
}

const failFast = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
} satisfies RedisOptions;
const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000);

function seed(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/**
 * An ioredis client that fails commands fast while disconnected (no offline queue piling up requests
 * during an outage, so callers and circuit breakers see the failure at once) and keeps reconnecting.
 * Given a target with cluster nodes, an `ioredis.Cluster` with the same behaviour.
 */
export function createRedisClient(url: string, logger: Logger, overrides?: RedisOptions): Redis;
export function createRedisClient(target: string | RedisTarget, logger: Logger, overrides?: RedisOptions): RedisClient;
export function createRedisClient(target: string | RedisTarget, logger: Logger, overrides: RedisOptions = {}): RedisClient {
  const { url, clusterNodes = [] } = typeof target === 'string' ? { url: target } : target;
  const client: RedisClient =
    clusterNodes.length === 0
      ? new Redis(url, { ...failFast, retryStrategy, ...overrides })
      : new Cluster(clusterNodes.map(seed), clusterOptions(overrides));
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

function clusterOptions(overrides: RedisOptions): ClusterOptions {
  // The cluster client keeps its own offline queue; its connections to the nodes take the rest.
  const { enableOfflineQueue = failFast.enableOfflineQueue, lazyConnect, ...redisOptions } = overrides;
  return {
    enableOfflineQueue,
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    clusterRetryStrategy: retryStrategy,
    // Kept short: after a master dies, its slots move to the promoted replica within the node timeout.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    redisOptions: { connectTimeout: failFast.connectTimeout, maxRetriesPerRequest: failFast.maxRetriesPerRequest, ...redisOptions },
  };
}

/**
 * A second connection to the same Redis (e.g. for a subscription, which can do nothing else), with
 * options of its own; Cluster's `duplicate` takes them in a different place than a single client's.
 */
export function duplicateRedis(client: RedisClient, overrides: RedisOptions): RedisClient {
  if (client instanceof Cluster) {
    const options = clusterOptions(overrides);
    return client.duplicate(undefined, { ...options, redisOptions: { ...client.options.redisOptions, ...options.redisOptions } });
  }
  return client.duplicate(overrides);
}

/**
 * A client for BullMQ's workers: their blocking commands must wait across an outage (BullMQ requires
 * maxRetriesPerRequest: null), and a worker sends one at a time, so its offline queue cannot pile up.
 * Producers (BullMQ queues) take `createRedisClient` instead and fail fast while Redis is away.
 */
export function createWorkerRedisClient(url: string, logger: Logger): Redis;
export function createWorkerRedisClient(target: string | RedisTarget, logger: Logger): RedisClient;
export function createWorkerRedisClient(target: string | RedisTarget, logger: Logger): RedisClient {
  return createRedisClient(target, logger, { maxRetriesPerRequest: null, enableOfflineQueue: true });
}

export function redisReadiness(client: RedisClient): ReadinessCheck {
  return { name: 'redis', check: () => client.ping() };
}

/** Closes gracefully (QUIT) when connected, otherwise just stops reconnecting. Safe to call twice. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
