import type { Logger, Registry } from '@ticketing/service-kit';
import { KafkaDeadLetterQueue } from './data-access/dead-letter.producer';
import type { PrismaClient } from './data-access/generated/prisma/client';
import { createSinkMetrics, sinkEvents } from './data-access/sink.metrics';
import { PrismaStoredEventRepository } from './data-access/stored-event.repository';
import { EventSinkService } from './domain/event-sink.service';
import { startPaymentCompletedConsumer, type PaymentCompletedConsumerOptions } from './entry-points/kafka/payment-completed.consumer';

export interface SinkWiringOptions {
  prisma: PrismaClient;
  kafka: PaymentCompletedConsumerOptions['kafka'];
  /** The consumer group (also names the dead-letter producer's client). */
  groupId: string;
  registry: Registry;
  logger: Logger;
  /** Events stored per statement (SINK_STORE_BATCH_SIZE). */
  storeBatchSize: number;
  retry: PaymentCompletedConsumerOptions['retry'];
}

/** Builds the sink's object graph once, for main.ts and for the tests, so both run the same wiring. */
export function wireSink(options: SinkWiringOptions) {
  const { kafka, groupId, logger } = options;
  const sinkMetrics = createSinkMetrics(options.registry);
  const repository = new PrismaStoredEventRepository(options.prisma);
  const deadLetters = new KafkaDeadLetterQueue(kafka, groupId);
  const sink = new EventSinkService(repository, deadLetters, sinkEvents(sinkMetrics, logger), options.storeBatchSize);
  return {
    sinkMetrics,
    repository,
    deadLetters,
    sink,
    /** Starts one consumer instance of the group (a restart: `close()` it, then call this again). */
    startConsumer: () => startPaymentCompletedConsumer({ kafka, groupId, sink, metrics: sinkMetrics, logger, retry: options.retry }),
  };
}

export type SinkWiring = ReturnType<typeof wireSink>;
