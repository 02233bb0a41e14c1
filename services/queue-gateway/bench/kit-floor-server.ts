import express from 'express';
import { Redis } from 'ioredis';
import { announce } from './bench-child';
import { createLogger, createMetricsRegistry, createServiceApp, listen } from '@ticketing/service-kit';

/**
 * Benchmark child: the shared HTTP stack every service runs (service-kit's app: request ids, access
 * logs, metrics, JSON parsing, error handling) around the baseline's single ZADD. It separates what the
 * framework costs from what the queue logic costs.
 */
async function main(): Promise<void> {
  const key = `${process.env.BENCH_PREFIX ?? 'bench:'}floor`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { lazyConnect: true });
  await redis.connect();
  const routes = express.Router().post('/queue/tokens', async (req, res) => {
    const { userId } = req.body as { userId: string };
    await redis.zadd(key, Date.now(), userId);
    res.status(201).json({ userId });
  });
  const logger = createLogger({ service: 'queue-gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const server = await listen(createServiceApp({ logger, metrics: createMetricsRegistry('queue-gateway'), readiness: [], routes: [routes] }), 0, '127.0.0.1');
  announce(server.url, () => void server.close().finally(() => redis.disconnect()));
}

void main();
