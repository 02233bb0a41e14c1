import type { Logger, RedisClient, Registry } from '@ticketing/service-kit';
import { createBookingMetrics, reservationEvents } from './data-access/booking.metrics';
import { CatalogueCache } from './data-access/catalogue.cache';
import { PrismaCatalogueReader } from './data-access/catalogue.repository';
import type { PrismaClient } from './data-access/generated/prisma/client';
import { BullHoldExpiryScheduler } from './data-access/hold-expiry.queue';
import { PrismaReservationStore } from './data-access/reservation.repository';
import { ReservationService } from './domain/reservation.service';
import { startHoldExpiryWorker } from './entry-points/jobs/hold-expiry.jobs';

export interface BookingWiringOptions {
  prisma: PrismaClient;
  /** The service's fail-fast Redis client: a hold never waits for Redis to schedule its expiry. */
  redis: RedisClient;
  /** The BullMQ worker's own client (`createWorkerRedisClient`); no worker without it. */
  workerRedis?: RedisClient;
  registry: Registry;
  logger: Logger;
  /** BullMQ prefix of the hold-expiry queue. */
  jobsPrefix: string;
  catalogueCacheMs: number;
  holdSeconds: number;
  holdLimit: number;
}

/** Builds booking's object graph once, for main.ts and for the tests, so both run the same wiring. */
export function wireBooking(options: BookingWiringOptions) {
  const bookingMetrics = createBookingMetrics(options.registry);
  const cache = new CatalogueCache(options.catalogueCacheMs);
  const store = new PrismaReservationStore(options.prisma, cache);
  const scheduler = new BullHoldExpiryScheduler(options.redis, options.jobsPrefix);
  const worker = options.workerRedis && startHoldExpiryWorker(options.workerRedis, options.jobsPrefix, store, bookingMetrics);
  const reservations = new ReservationService(store, scheduler, reservationEvents(bookingMetrics, options.logger), {
    holdSeconds: options.holdSeconds,
    holdLimit: options.holdLimit,
  });
  return {
    bookingMetrics,
    store,
    scheduler,
    worker,
    reservations,
    catalogue: new PrismaCatalogueReader(options.prisma, cache),
    /** Stops the expiry worker, then the queue (the Redis clients are the caller's). */
    close: async () => {
      await worker?.close();
      await scheduler.close();
    },
  };
}

export type BookingWiring = ReturnType<typeof wireBooking>;
