import { closeRedis, createMetricsRegistry, createWorkerRedisClient, openPostgres, openRedis, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { createBookingMetrics, reservationEvents } from './data-access/booking.metrics';
import { PrismaCatalogueReader } from './data-access/catalogue.repository';
import { PrismaClient } from './data-access/generated/prisma/client';
import { BullHoldExpiryScheduler } from './data-access/hold-expiry.queue';
import { PrismaReservationStore } from './data-access/reservation.repository';
import { CatalogueCache } from './data-access/catalogue.cache';
import { ReservationService } from './domain/reservation.service';
import { startHoldExpiryWorker, startHoldSweeper } from './entry-points/jobs/hold-expiry.jobs';

void runService('booking', loadConfig, async (runtime) => {
  const { config, logger, shutdown } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const redis = openRedis(runtime, config.REDIS_URL);
  const metrics = createMetricsRegistry('booking');
  const bookingMetrics = createBookingMetrics(metrics);
  const cache = new CatalogueCache(config.CATALOGUE_CACHE_MS);
  const store = new PrismaReservationStore(postgres.prisma, cache);

  const scheduler = new BullHoldExpiryScheduler(redis.redis, config.JOBS_PREFIX);
  shutdown.add('hold-expiry-queue', () => scheduler.close());
  const workerRedis = createWorkerRedisClient(config.REDIS_URL, logger);
  shutdown.add('hold-expiry-redis', () => closeRedis(workerRedis));
  const worker = startHoldExpiryWorker(workerRedis, config.JOBS_PREFIX, store, bookingMetrics);
  shutdown.add('hold-expiry-worker', worker.close);
  shutdown.add('hold-sweeper', startHoldSweeper(store, config.HOLD_SWEEP_INTERVAL_MS, logger, bookingMetrics));

  const reservations = new ReservationService(store, scheduler, reservationEvents(bookingMetrics, logger), {
    holdSeconds: config.HOLD_TTL_SECONDS,
    holdLimit: config.HOLD_LIMIT_PER_USER,
  });
  const app = buildApp({
    logger,
    metrics,
    readiness: [postgres.readiness, redis.readiness],
    credentials: { gateway: config.INTERNAL_TOKEN, payment: config.PAYMENT_INTERNAL_TOKEN },
    catalogue: new PrismaCatalogueReader(postgres.prisma, cache),
    reservations,
    bookingMetrics,
  });
  await serveHttp(runtime, app, config);
});
