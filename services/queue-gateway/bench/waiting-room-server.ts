import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createLogger, createMetricsRegistry, createServiceApp, listen } from '@ticketing/service-kit';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { fixedAdmissionLimit } from '../src/domain/admission-limit';
import { waitEstimator } from '../src/domain/wait-estimate';
import { queueEventRoutes } from '../src/entry-points/http/queue-events.routes';
import { queueRoutes } from '../src/entry-points/http/queue.routes';
import { startWaitingRoom } from '../src/entry-points/jobs/waiting-room.job';

/**
 * Benchmark child for `waiters.bench.ts`, run with --expose-gc. BENCH_SERVER=gateway: the gateway's
 * queue routes, event stream and waiting room on its feed, wired as main.ts wires them. BENCH_SERVER=bare:
 * a bare `http` server that parks every request unanswered (the baseline: what holding a connection
 * costs at all). Answers 'stats' with its RSS (after a full GC) and the number of parked waiters.
 */
async function main(): Promise<void> {
  const parked: ServerResponse[] = [];
  let waiters = () => parked.length;
  let url: string;
  let close: () => void;
  if (process.env.BENCH_SERVER === 'bare') {
    const server = createServer((_req, res) => void parked.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => process.exit(0);
  } else {
    const prefix = process.env.BENCH_PREFIX ?? 'bench:';
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { lazyConnect: true });
    await redis.connect();
    const store = new RedisQueueStore(redis, { prefix, abandonAfterMs: 600_000 });
    const waiting = startWaitingRoom({ redis, store, presenceEveryMs: 15_000, logger: createLogger({ service: 'bench', level: 'warn' }) });
    const limit = fixedAdmissionLimit(1_000);
    const lookup = (token: string, now: number, options: { touch: boolean }) => store.lookup(token, now, options);
    const events = queueEventRoutes({ lookup, lineOf: async () => ({ room: waiting.room, estimate: waitEstimator(300, () => limit.limit) }) });
    const metrics = createMetricsRegistry('queue-gateway');
    const routes = queueRoutes({ store, lookup, config: { QUEUE_ACTIVE_TTL_SECONDS: 300 }, breakerState: () => 'CLOSED', metrics, room: waiting.room, admissionLimit: limit });
    const logger = createLogger({ service: 'queue-gateway', level: 'warn' });
    const server = await listen(createServiceApp({ logger, metrics, readiness: [], fastRoutes: routes, routes: [events.router] }), 0, '127.0.0.1');
    url = server.url;
    waiters = () => waiting.room.size;
    close = () => process.exit(0);
  }
  process.on('message', (message) => {
    if (message !== 'stats') return;
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ rss: process.memoryUsage().rss, waiters: waiters() });
  });
  process.send?.({ url });
  process.once('disconnect', close);
}

void main();
