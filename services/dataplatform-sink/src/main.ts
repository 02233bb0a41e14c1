import { openKafka, openPostgres, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';
import { wireSink } from './wiring';

void runService('dataplatform-sink', loadConfig, async (runtime) => {
  const { config, logger, metrics, shutdown } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const kafka = openKafka(runtime, config);
  const wiring = wireSink({
    prisma: postgres.prisma,
    kafka: kafka.kafka,
    groupId: config.KAFKA_GROUP_ID,
    registry: metrics,
    logger,
    storeBatchSize: config.SINK_STORE_BATCH_SIZE,
    retry: { initialDelayMs: config.SINK_RETRY_INITIAL_DELAY_MS, maxDelayMs: config.SINK_RETRY_MAX_DELAY_MS },
  });
  // Registered before the consumer, so it closes after it: the last letter is sent before it goes.
  shutdown.add('kafka-dlq-producer', () => wiring.deadLetters.close());

  const app = buildApp({ logger, metrics, readiness: [postgres.readiness, kafka.readiness], stats: wiring.repository });
  await serveHttp(runtime, app, config);

  // Started once the HTTP side answers (the consumer joins in the background, retrying while Kafka is
  // down) and registered last, so SIGTERM stops consuming first, before the clients it writes through.
  const consumer = wiring.startConsumer();
  // Leaving the group may wait on a rebalance: half the budget, so the HTTP server, producer and
  // Postgres still close in time after it (an unfinished batch is simply redelivered).
  shutdown.add('kafka-consumer', consumer.close, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2 });
});
