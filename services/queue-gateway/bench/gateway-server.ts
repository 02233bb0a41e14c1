import { Redis } from 'ioredis';
import { announce } from './bench-child';
import { createLogger, createMetricsRegistry, createServiceApp, listen } from '@ticketing/service-kit';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { fixedAdmissionLimit } from '../src/domain/admission-limit';
import { WaitingRoom } from '../src/domain/waiting-room';
import { queueRoutes } from '../src/entry-points/http/queue.routes';

/**
 * Benchmark child: the gateway's real token-issue path (service-kit app with request ids, access logs,
 * metrics, JSON parsing, the queue routes, the issue Lua script), as main.ts would serve it. Logs go to
 * stdout at LOG_LEVEL (info, like production), which the parent discards.
 */
async function main(): Promise<void> {
  const prefix = process.env.BENCH_PREFIX ?? 'bench:';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  const store = new RedisQueueStore(redis, { prefix, abandonAfterMs: 60_000 });
  const metrics = createMetricsRegistry('queue-gateway');
  const config = { QUEUE_ACTIVE_TTL_SECONDS: 300 };
  const routes = queueRoutes({
    store,
    lookup: (t, now, o) => store.lookup(t, now, o),
    config,
    breakerState: () => 'CLOSED',
    metrics,
    room: new WaitingRoom(),
    admissionLimit: fixedAdmissionLimit(100),
  });
  const logger = createLogger({ service: 'queue-gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const server = await listen(createServiceApp({ logger, metrics, readiness: [], fastRoutes: routes, routes: [] }), 0, '127.0.0.1');
  announce(server.url, () => void server.close().finally(() => redis.disconnect()));
}

void main();
