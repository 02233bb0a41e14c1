import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { closeRedis, createLogger, createMetricsRegistry, createPrismaClient, createRedisClient, createWorkerRedisClient, listen, type RunningServer } from '@ticketing/service-kit';
import { buildApp } from '../../src/app';
import { createBookingMetrics, reservationEvents } from '../../src/data-access/booking.metrics';
import { insertCatalogue, PrismaCatalogueReader } from '../../src/data-access/catalogue.repository';
import { PrismaClient } from '../../src/data-access/generated/prisma/client';
import { BullHoldExpiryScheduler } from '../../src/data-access/hold-expiry.queue';
import { PrismaReservationStore } from '../../src/data-access/reservation.repository';
import { CatalogueCache } from '../../src/data-access/catalogue.cache';
import { buildCatalogue } from '../../src/domain/demo-catalogue';
import { ReservationService } from '../../src/domain/reservation.service';
import { startHoldExpiryWorker } from '../../src/entry-points/jobs/hold-expiry.jobs';

/** The gateway's credential (the public routes) and payment's (the /internal routes). */
export const INTERNAL_TOKEN = 'booking-test-internal-token-0123456789';
export const PAYMENT_TOKEN = 'booking-test-payment-token-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';

export interface BookingFixture {
  url: string;
  prisma: PrismaClient;
  store: PrismaReservationStore;
  scheduleIds: string[];
  concertIds: string[];
  /** An HTTP call as the gateway (or, on /internal, payment) makes it: that caller's credential and the acting user. */
  call: (method: string, path: string, options?: { userId?: string; body?: unknown; credential?: string | null }) => Promise<{ status: number; body: any }>;
  close: () => Promise<void>;
}

/**
 * Booking's real app, store, BullMQ expiry queue and worker, on a throwaway schema with a small
 * catalogue and a BullMQ prefix of its own. `holdSeconds` is short in tests that watch holds expire.
 */
export async function startBooking(options: { holdSeconds?: number; holdLimit?: number; seats?: number; worker?: boolean; catalogueCacheMs?: number } = {}): Promise<BookingFixture> {
  const schema: TestSchema = await createTestSchema(join(__dirname, '../..'), 'booking');
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: schema.databaseUrl, schema: schema.schema, poolSize: 10 });
  const catalogue = buildCatalogue({ concerts: 2, schedulesPerConcert: 2, seatsPerSchedule: options.seats ?? 100 }, new Date('2027-03-01T19:00:00Z'));
  await insertCatalogue(prisma, catalogue, options.seats ?? 100);

  const logger = createLogger({ service: 'booking-test', level: 'silent' });
  const metrics = createMetricsRegistry('booking');
  const bookingMetrics = createBookingMetrics(metrics);
  // As main.ts wires it; off (0 ms) unless a test is about it, so every read sees the database.
  const cache = new CatalogueCache(options.catalogueCacheMs ?? 0);
  const store = new PrismaReservationStore(prisma, cache);
  const prefix = `test-booking-${randomUUID()}`;
  const redis = createRedisClient(REDIS_URL, logger);
  if (redis.status !== 'ready') await once(redis, 'ready');
  const scheduler = new BullHoldExpiryScheduler(redis, prefix);
  const workerRedis = createWorkerRedisClient(REDIS_URL, logger);
  const worker = options.worker === false ? undefined : startHoldExpiryWorker(workerRedis, prefix, store, bookingMetrics);
  const reservations = new ReservationService(store, scheduler, reservationEvents(bookingMetrics, logger), {
    holdSeconds: options.holdSeconds ?? 300,
    holdLimit: options.holdLimit ?? 4,
  });
  const app = buildApp({
    logger,
    metrics,
    readiness: [],
    credentials: { gateway: INTERNAL_TOKEN, payment: PAYMENT_TOKEN },
    catalogue: new PrismaCatalogueReader(prisma, cache),
    reservations,
    bookingMetrics,
  });
  const server: RunningServer = await listen(app, 0, '127.0.0.1');

  return {
    url: server.url,
    prisma,
    store,
    scheduleIds: catalogue.schedules.map((s) => s.id),
    concertIds: catalogue.concerts.map((c) => c.id),
    call: async (method, path, { userId, body, credential = path.startsWith('/internal/') ? PAYMENT_TOKEN : INTERNAL_TOKEN } = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (credential !== null) headers['x-internal-token'] = credential;
      if (userId !== undefined) headers['x-user-id'] = userId;
      const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: async () => {
      await server.close();
      await worker?.close();
      await scheduler.close();
      await Promise.all([redis, workerRedis].map(closeRedis));
      await prisma.$disconnect();
      await schema.drop();
    },
  };
}
