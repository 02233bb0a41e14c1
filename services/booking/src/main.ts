import { closeRedis, createWorkerRedisClient, openPostgres, openRedis, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';
import { startHoldSweeper } from './entry-points/jobs/hold-expiry.jobs';
import { wireBooking } from './wiring';

void runService('booking', loadConfig, async (runtime) => {
  const { config, logger, metrics, shutdown } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const redis = openRedis(runtime, config.REDIS_URL);
  const workerRedis = createWorkerRedisClient(config.REDIS_URL, logger);
  shutdown.add('hold-expiry-redis', () => closeRedis(workerRedis));
  const wiring = wireBooking({
    prisma: postgres.prisma,
    redis: redis.redis,
    workerRedis,
    registry: metrics,
    logger,
    jobsPrefix: config.JOBS_PREFIX,
    catalogueCacheMs: config.CATALOGUE_CACHE_MS,
    holdSeconds: config.HOLD_TTL_SECONDS,
    holdLimit: config.HOLD_LIMIT_PER_USER,
  });
  shutdown.add('hold-expiry', wiring.close);
  shutdown.add('hold-sweeper', startHoldSweeper(wiring.store, config.HOLD_SWEEP_INTERVAL_MS, logger, wiring.bookingMetrics));

  const app = buildApp({
    logger,
    metrics,
    readiness: [postgres.readiness, redis.readiness],
    credentials: { gateway: config.INTERNAL_TOKEN, payment: config.PAYMENT_INTERNAL_TOKEN },
    catalogue: wiring.catalogue,
    reservations: wiring.reservations,
  });
  await serveHttp(runtime, app, config);
});
