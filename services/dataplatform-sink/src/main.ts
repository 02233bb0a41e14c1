import { createMetricsRegistry, openKafka, openPostgres, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { KafkaDeadLetterQueue } from './data-access/dead-letter.producer';
import { PrismaClient } from './data-access/generated/prisma/client';
import { createSinkMetrics, sinkEvents } from './data-access/sink.metrics';
import { PrismaStoredEventRepository } from './data-access/stored-event.repository';
import { EventSinkService } from './domain/event-sink.service';
import { startPaymentCompletedConsumer } from './entry-points/kafka/payment-completed.consumer';

void runService('dataplatform-sink', loadConfig, async (runtime) => {
  const { config, logger, shutdown } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const kafka = openKafka(runtime, 'dataplatform-sink', config.KAFKA_BROKERS);
  const metrics = createMetricsRegistry('dataplatform-sink');
  const sinkMetrics = createSinkMetrics(metrics);
  const repository = new PrismaStoredEventRepository(postgres.prisma);

  // Registered before the consumer, so it closes after it: the last letter is sent before it goes.
  const deadLetters = new KafkaDeadLetterQueue(kafka.kafka, config.KAFKA_GROUP_ID);
  shutdown.add('kafka-dlq-producer', () => deadLetters.close());

  const app = buildApp({ logger, metrics, readiness: [postgres.readiness, kafka.readiness], stats: repository });
  await serveHttp(runtime, app, config);

  // Started once the HTTP side answers (the consumer joins in the background, retrying while Kafka is
  // down) and registered last, so SIGTERM stops consuming first, before the clients it writes through.
  const sink = new EventSinkService(repository, deadLetters, sinkEvents(sinkMetrics, logger), config.SINK_STORE_BATCH_SIZE);
  const consumer = startPaymentCompletedConsumer({
    kafka: kafka.kafka,
    groupId: config.KAFKA_GROUP_ID,
    sink,
    metrics: sinkMetrics,
    logger,
    retry: { initialDelayMs: config.SINK_RETRY_INITIAL_DELAY_MS, maxDelayMs: config.SINK_RETRY_MAX_DELAY_MS },
  });
  // Leaving the group may wait on a rebalance: half the budget, so the HTTP server, producer and
  // Postgres still close in time after it (an unfinished batch is simply redelivered).
  shutdown.add('kafka-consumer', consumer.close, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2 });
});
