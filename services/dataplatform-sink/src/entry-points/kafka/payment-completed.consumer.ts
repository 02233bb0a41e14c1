import type { Kafka, KafkaMessage } from 'kafkajs';
import { parsePaymentCompleted, Topics } from '@ticketing/contracts';
import { correlationIdFrom, runWithCorrelationId, startSupervisedConsumer, type Logger, type SupervisedConsumer } from '@ticketing/service-kit';
import type { SinkMetrics } from '../../data-access/sink.metrics';
import type { EventSinkService } from '../../domain/event-sink.service';
import type { Delivery } from '../../domain/stored-event';

export interface PaymentCompletedConsumerOptions {
  kafka: Kafka;
  /** All sink instances share it, so each partition (and each event) is handled by one of them. */
  groupId: string;
  sink: EventSinkService<KafkaMessage>;
  metrics: SinkMetrics;
  logger: Logger;
  /** Pause before a failed batch is retried: doubles from `initialDelayMs` up to `maxDelayMs`. */
  retry: { initialDelayMs: number; maxDelayMs: number };
}

/** The running consumer: `ready` once it joined its group and fetched, `close()` finishes the step in hand, commits what is done and leaves the group (the shutdown step bounds how long it may take). */
export type PaymentCompletedConsumer = SupervisedConsumer;

/**
 * Stores every PaymentCompleted once. Batches are handled by the sink's rules, and an offset is
 * resolved only after its message was stored or dead-lettered, so kafkajs commits nothing unhandled.
 * A failure is thrown: kafkajs re-fetches from the first unhandled offset with growing pauses, and
 * after its retries restarts the consumer, again and again, never skipping a message.
 *
 * Returns at once: joining happens in the background and is retried while Kafka is down, so the HTTP
 * side (health, stats) serves meanwhile and readiness reports Kafka.
 */
export function startPaymentCompletedConsumer(options: PaymentCompletedConsumerOptions): PaymentCompletedConsumer {
  const { kafka, groupId, sink, metrics, retry } = options;
  const logger = options.logger.child({ component: 'payment-completed-consumer', groupId });
  return startSupervisedConsumer({
    logger,
    initialDelayMs: retry.initialDelayMs,
    maxDelayMs: retry.maxDelayMs,
    onCrash: () => metrics.restarts.inc(),
    create: (stopped) =>
      kafka.consumer({
        groupId,
        // A 1 s long poll (5 s by default) bounds how long close() waits for the fetch in flight.
        maxWaitTimeInMs: 1_000,
        retry: {
          initialRetryTime: retry.initialDelayMs,
          maxRetryTime: retry.maxDelayMs,
          // Called when kafkajs gave up retrying a batch: start again (after at most maxRetryTime) unless
          // we are shutting down. A message that cannot be handled yet must wait, not be skipped.
          restartOnFailure: async (error) => {
            if (stopped.aborted) return false;
            metrics.restarts.inc();
            logger.error({ err: error }, 'consumer gave up retrying; restarting');
            return true;
          },
        },
      }),
    run: async (consumer) => {
      await consumer.connect();
      // A group without committed offsets starts at the beginning: the sink must store every event,
      // including those published before it first ran.
      await consumer.subscribe({ topic: Topics.PaymentCompleted, fromBeginning: true });
      await consumer.run({
        // Offsets are resolved by the sink's progress, step by step, never for the whole batch up front.
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const deliveries = batch.messages.map((message) => toDelivery(batch.topic, batch.partition, message));
          await sink.handle(deliveries, {
            done: async (offset) => {
              resolveOffset(offset);
              await heartbeat();
            },
            interrupted: () => !isRunning() || isStale(),
          });
          metrics.lag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
        },
      });
    },
  });
}

/** Parses one message under its own correlation id, so whatever the parse logs joins the producer's request. */
function toDelivery(topic: string, partition: number, message: KafkaMessage): Delivery<KafkaMessage> {
  const correlationId = correlationIdFrom(message.headers);
  return runWithCorrelationId(correlationId, () => ({
    message,
    position: { topic, partition, offset: message.offset },
    correlationId,
    parsed: parsePaymentCompleted(message.value),
  }));
}
