import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { closeRedis, createLogger, createMetricsRegistry, createPrismaClient, createRedisClient, createWorkerRedisClient, listen, type RunningServer } from '@ticketing/service-kit';
import { buildApp } from '../app';
import { insertCatalogue } from '../data-access/catalogue.repository';
import { PrismaClient } from '../data-access/generated/prisma/client';
import type { PrismaReservationStore } from '../data-access/reservation.repository';
import { buildCatalogue } from '../domain/demo-catalogue';
import { wireBooking } from '../wiring';

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
  const prefix = `test-booking-${randomUUID()}`;
  const redis = createRedisClient(REDIS_URL, logger);
  if (redis.status !== 'ready') await once(redis, 'ready');
  const workerRedis = createWorkerRedisClient(REDIS_URL, logger);
  // As main.ts wires it; the catalogue cache off (0 ms) unless a test is about it, so every read sees the database.
  const wiring = wireBooking({
    prisma,
    redis,
    workerRedis: options.worker === false ? undefined : workerRedis,
    registry: metrics,
    logger,
    jobsPrefix: prefix,
    catalogueCacheMs: options.catalogueCacheMs ?? 0,
    holdSeconds: options.holdSeconds ?? 300,
    holdLimit: options.holdLimit ?? 4,
  });
  const app = buildApp({
    logger,
    metrics,
    readiness: [],
    credentials: { gateway: INTERNAL_TOKEN, payment: PAYMENT_TOKEN },
    catalogue: wiring.catalogue,
    reservations: wiring.reservations,
  });
  const server: RunningServer = await listen(app, 0, '127.0.0.1');

  return {
    url: server.url,
    prisma,
    store: wiring.store,
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
      await wiring.close();
      await Promise.all([redis, workerRedis].map(closeRedis));
      await prisma.$disconnect();
      await schema.drop();
    },
  };
}

/**
 * Loads a demo catalogue (`concerts` × `schedulesPerConcert` × `seatsPerSchedule`) into a booking schema,
 * as a whole-platform test needs it before booking starts.
 */
export async function seedCatalogue(target: { databaseUrl: string; schema: string }, options: { concerts: number; schedulesPerConcert: number; seatsPerSchedule: number; startsAt: Date }): Promise<void> {
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: target.databaseUrl, schema: target.schema });
  try {
    await insertCatalogue(prisma, buildCatalogue(options, options.startsAt), options.seatsPerSchedule);
  } finally {
    await prisma.$disconnect();
  }
}
