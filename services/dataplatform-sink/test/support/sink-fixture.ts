import { join } from 'node:path';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { SinkStatsResponse, Topics } from '@ticketing/contracts';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { createMetricsRegistry, createPrismaClient, listen, type Registry, type RunningServer } from '@ticketing/service-kit';
import { buildApp } from '../../src/app';
import { PrismaClient } from '../../src/data-access/generated/prisma/client';
import type { SinkMetrics } from '../../src/data-access/sink.metrics';
import type { EventSinkService } from '../../src/domain/event-sink.service';
import type { PaymentCompletedConsumer } from '../../src/entry-points/kafka/payment-completed.consumer';
import { wireSink } from '../../src/wiring';
import { newGroupAtEnd, silentLogger, testKafka } from './kafka-helpers';

export interface SinkFixture {
  /** The sink's consumer group, new and placed at the topic's end: it sees only this file's traffic and later. */
  groupId: string;
  kafka: Kafka;
  admin: Admin;
  schema: TestSchema;
  prisma: PrismaClient;
  /** The rules the consumer drives; tests that need no broker call them directly. */
  sink: EventSinkService<KafkaMessage>;
  metrics: Registry;
  sinkMetrics: SinkMetrics;
  /** Starts a consumer instance of the group; a restart is `close()` on it, then this again. */
  startConsumer: () => PaymentCompletedConsumer;
  /** A Prometheus counter's current total over all its labels. */
  counter: (name: string) => Promise<number>;
  /** `GET /events/stats`, validated by the contract. */
  stats: () => Promise<SinkStatsResponse>;
  close: () => Promise<void>;
}

/**
 * The sink as main.ts wires it (repository, DLQ producer, rules, metrics, HTTP app on port 0) on a
 * throwaway schema, against the real broker. `databaseUrl` lets a test put a proxy it can cut in front
 * of Postgres; `retry` shortens the backoff so an outage test does not wait 30 s per attempt.
 */
export async function startSink(options: { label: string; databaseUrl?: string; retry?: { initialDelayMs: number; maxDelayMs: number } }): Promise<SinkFixture> {
  const schema: TestSchema = await createTestSchema(join(__dirname, '../..'), options.label);
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: options.databaseUrl ?? schema.databaseUrl, schema: schema.schema, poolSize: 5 });
  const kafka = testKafka(`sink-test-${options.label}`);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = await newGroupAtEnd(admin, Topics.PaymentCompleted, `sink-test-${options.label}`);

  const logger = silentLogger();
  const metrics = createMetricsRegistry('dataplatform-sink');
  const wiring = wireSink({ prisma, kafka, groupId, registry: metrics, logger, storeBatchSize: 500, retry: options.retry ?? { initialDelayMs: 100, maxDelayMs: 2_000 } });
  const { sink, sinkMetrics, deadLetters } = wiring;
  const server: RunningServer = await listen(buildApp({ logger, metrics, readiness: [], stats: wiring.repository }), 0, '127.0.0.1');
  const consumers: PaymentCompletedConsumer[] = [];

  return {
    groupId,
    kafka,
    admin,
    schema,
    prisma,
    sink,
    metrics,
    sinkMetrics,
    startConsumer: () => {
      const consumer = wiring.startConsumer();
      consumers.push(consumer);
      return consumer;
    },
    counter: async (name) => {
      const metric = await metrics.getSingleMetric(name)?.get();
      return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
    },
    stats: async () => {
      const res = await fetch(`${server.url}/events/stats`);
      if (res.status !== 200) throw new Error(`GET /events/stats answered ${res.status}`);
      return SinkStatsResponse.parse(await res.json());
    },
    close: async () => {
      for (const consumer of consumers) await consumer.close();
      await deadLetters.close();
      await server.close();
      await admin.disconnect();
      await prisma.$disconnect();
      await schema.drop();
    },
  };
}
