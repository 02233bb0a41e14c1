import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { KafkaHeaders, parsePaymentCompleted, Topics, type PaymentCompletedV1 } from '@ticketing/contracts';

export interface ReceivedEvent {
  key: string | undefined;
  event: PaymentCompletedV1;
  correlationId: string | undefined;
}

export interface EventCollector {
  /** Every PaymentCompleted received so far for these reservations (other tests share the topic). */
  forReservations: (reservationIds: Iterable<string>) => ReceivedEvent[];
  /** Every message read, whoever produced it. */
  all: () => ReceivedEvent[];
  stop: () => Promise<void>;
}

/**
 * Reads payment.completed with a consumer group of its own, by default from the topic's current end: the
 * group's offsets are set before it joins, so no message produced after this resolves can be missed,
 * and none of the topic's history (other runs, other tests) is read. `from: 'beginning'` reads it all
 * (for a broker the test owns).
 */
export async function collectPaymentEvents(brokers: string[], options: { from?: 'end' | 'beginning' } = {}): Promise<EventCollector> {
  const kafka = new Kafka({ clientId: 'payment-test-reader', brokers, logLevel: logLevel.NOTHING });
  const groupId = `payment-test-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(Topics.PaymentCompleted);
    const start = (o: (typeof offsets)[number]) => (options.from === 'beginning' ? o.low : o.high);
    await admin.setOffsets({ groupId, topic: Topics.PaymentCompleted, partitions: offsets.map((o) => ({ partition: o.partition, offset: start(o) })) });
  } finally {
    await admin.disconnect();
  }
  const received: ReceivedEvent[] = [];
  const consumer: Consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.PaymentCompleted });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const parsed = parsePaymentCompleted(message.value);
      if (!parsed.ok) return;
      received.push({ key: message.key?.toString(), event: parsed.event, correlationId: message.headers?.[KafkaHeaders.CorrelationId]?.toString() });
    },
  });
  return {
    forReservations: (ids) => {
      const wanted = new Set(ids);
      return received.filter((r) => wanted.has(r.event.reservationId));
    },
    all: () => [...received],
    stop: () => consumer.disconnect(),
  };
}
