import { openKafka, openPostgres, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';
import { KafkaOutboxPublisher } from './data-access/payment-completed.publisher';
import { startOutboxRelay } from './entry-points/jobs/outbox-relay.job';
import { startPaymentRecovery } from './entry-points/jobs/payment-recovery.job';
import { wirePayment } from './wiring';

void runService('payment', loadConfig, async (runtime) => {
  const { config, logger, metrics, shutdown } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const kafka = openKafka(runtime, config);
  const wiring = wirePayment({
    prisma: postgres.prisma,
    registry: metrics,
    bookingUrl: config.BOOKING_URL,
    bookingCredential: config.PAYMENT_INTERNAL_TOKEN,
    bookingTimeoutMs: config.BOOKING_TIMEOUT_MS,
    retry: { maxAttempts: config.BALANCE_MAX_ATTEMPTS, maxDelayMs: config.BALANCE_RETRY_MAX_DELAY_MS },
    idempotencyWaitMs: config.IDEMPOTENCY_WAIT_MS,
  });

  // Shutdown runs in reverse: HTTP stops first, then the jobs, then the producer, Kafka and Postgres.
  shutdown.add('booking-client', wiring.close);
  const publisher = new KafkaOutboxPublisher(kafka.kafka);
  shutdown.add('kafka-producer', () => publisher.close());
  shutdown.add(
    'outbox-relay',
    startOutboxRelay({
      outbox: wiring.outbox,
      publisher,
      metrics: wiring.metrics,
      logger,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      batchSize: config.OUTBOX_BATCH_SIZE,
      maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
    }),
  );
  shutdown.add(
    'payment-recovery',
    startPaymentRecovery({
      payments: wiring.paymentStore,
      settlement: wiring.settlement,
      events: wiring.events,
      logger,
      olderThanMs: config.RECOVERY_AFTER_MS,
      batchSize: config.RECOVERY_BATCH_SIZE,
      intervalMs: config.RECOVERY_INTERVAL_MS,
    }),
  );

  const app = buildApp({
    logger,
    metrics,
    readiness: [postgres.readiness, kafka.readiness],
    internalToken: config.INTERNAL_TOKEN,
    balances: wiring.balances,
    payments: wiring.payments,
  });
  await serveHttp(runtime, app, config);
});
