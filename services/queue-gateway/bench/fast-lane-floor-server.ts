import { Redis } from 'ioredis';
import { announce } from './bench-child';
import { createLogger, createMetricsRegistry, createServiceApp, listen, type ApiRoute } from '@ticketing/service-kit';

/**
 * Benchmark child: service-kit's fast lane (request ids, correlation context, the latency histogram,
 * one error shape), which the gateway's hot routes take, around the baseline's single ZADD. Between it
 * and the gateway lies only the queue's own work (the issue script and its answer).
 */
async function main(): Promise<void> {
  const key = `${process.env.BENCH_PREFIX ?? 'bench:'}lane`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { lazyConnect: true });
  await redis.connect();
  const issue: ApiRoute = {
    method: 'POST',
    path: '/queue/tokens',
    handle: async (request) => {
      const { userId } = request.body as { userId: string };
      await redis.zadd(key, Date.now(), userId);
      return { status: 201, body: { userId } };
    },
  };
  const logger = createLogger({ service: 'queue-gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const server = await listen(createServiceApp({ logger, metrics: createMetricsRegistry('queue-gateway'), readiness: [], fastRoutes: [issue], routes: [] }), 0, '127.0.0.1');
  announce(server.url, () => void server.close().finally(() => redis.disconnect()));
}

void main();
