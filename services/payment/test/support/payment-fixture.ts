import { join } from 'node:path';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { createKafka, createLogger, createMetricsRegistry, createPrismaClient, listen, type Logger, type RunningServer } from '@ticketing/service-kit';
import { buildApp } from '../../src/app';
import { PrismaClient } from '../../src/data-access/generated/prisma/client';
import { KafkaOutboxPublisher } from '../../src/data-access/payment-completed.publisher';
import { startOutboxRelay } from '../../src/entry-points/jobs/outbox-relay.job';
import { wirePayment, type PaymentWiring } from '../../src/wiring';

/** The credential the payment app under test expects; booking's fixture uses its own (passed in). */
export const PAYMENT_TOKEN = 'payment-test-internal-token-0123456789';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export interface PaymentFixture {
  url: string;
  /** Where its tables live; pass it to another `startPayment` for a second instance on the same data. */
  schema: { databaseUrl: string; schema: string };
  prisma: PrismaClient;
  wiring: PaymentWiring;
  logger: Logger;
  /** A call as the gateway makes it: internal credential, the acting user, optionally a key and a request id. */
  call: (method: string, path: string, options?: { userId?: string; body?: unknown; key?: string; requestId?: string }) => Promise<Answer>;
  /** The relay against `brokers` (a stop function); the tests start it where they watch Kafka. */
  startRelay: (brokers: string[], options?: { maxBackoffMs?: number }) => () => Promise<void>;
  close: () => Promise<void>;
}

/** Payment's real app and wiring on a throwaway schema, talking to the booking at `bookingUrl`. */
export async function startPayment(options: {
  bookingUrl: string;
  bookingToken: string;
  idempotencyWaitMs?: number;
  retry?: { maxAttempts: number; maxDelayMs: number };
  poolSize?: number;
  schema?: { databaseUrl: string; schema: string };
}): Promise<PaymentFixture> {
  const owned: TestSchema | undefined = options.schema ? undefined : await createTestSchema(join(__dirname, '../..'), 'payment');
  const schema = options.schema ?? owned!;
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: schema.databaseUrl, schema: schema.schema, poolSize: options.poolSize ?? 10 });
  const logger = createLogger({ service: 'payment-test', level: 'silent' });
  const registry = createMetricsRegistry('payment');
  const wiring = wirePayment({
    prisma,
    registry,
    bookingUrl: options.bookingUrl,
    bookingCredential: options.bookingToken,
    bookingTimeoutMs: 3_000,
    retry: options.retry ?? { maxAttempts: 40, maxDelayMs: 100 },
    idempotencyWaitMs: options.idempotencyWaitMs ?? 10_000,
  });
  const app = buildApp({ logger, metrics: registry, readiness: [], internalToken: PAYMENT_TOKEN, balances: wiring.balances, payments: wiring.payments });
  const server: RunningServer = await listen(app, 0, '127.0.0.1');
  const relays = new Set<() => Promise<void>>();

  return {
    url: server.url,
    schema: { databaseUrl: schema.databaseUrl, schema: schema.schema },
    prisma,
    wiring,
    logger,
    call: async (method, path, { userId, body, key, requestId } = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-internal-token': PAYMENT_TOKEN };
      if (userId !== undefined) headers['x-user-id'] = userId;
      if (key !== undefined) headers['idempotency-key'] = key;
      if (requestId !== undefined) headers['x-request-id'] = requestId;
      const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    startRelay: (brokers, relayOptions = {}) => {
      const publisher = new KafkaOutboxPublisher(createKafka({ clientId: 'payment-test', brokers, logger }));
      const stopRelay = startOutboxRelay({
        outbox: wiring.outbox,
        publisher,
        metrics: wiring.metrics,
        logger,
        pollIntervalMs: 50,
        batchSize: 50,
        maxBackoffMs: relayOptions.maxBackoffMs ?? 2_000,
      });
      const stop = async () => {
        relays.delete(stop);
        await stopRelay();
        await publisher.close();
      };
      relays.add(stop);
      return stop;
    },
    close: async () => {
      for (const stop of [...relays]) await stop();
      await server.close();
      await wiring.close();
      await prisma.$disconnect();
      await owned?.drop();
    },
  };
}
