import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { newPaymentCompleted, parsePaymentCompleted, toPaymentCompletedMessage, type PaymentCompletedV1 } from '@ticketing/contracts';
import { correlationHeaders, correlationIdFrom, createKafka, createLogger, runWithCorrelationId } from '../src';

/**
 * A PaymentCompleted event through the real broker `npm test` started: produced with kafkajs, consumed by
 * a consumer group, validated by the contracts package on the way in. A topic of its own per run, so
 * nothing else reading payment.completed sees it.
 */
describe('PaymentCompleted through Kafka', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const kafka = createKafka({ clientId: 'round-trip-test', brokers, logger: createLogger({ service: 'test', destination: new PassThrough() }) });
  const topic = `test.payment.completed.${randomUUID()}`;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `round-trip-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('when a valid event is produced, then the group consumes it once, keyed by reservationId, with its correlation id, and it validates', async () => {
    // Three reservations with two events each: the key keeps each reservation's events in one partition.
    const reservations = [randomUUID(), randomUUID(), randomUUID()];
    const events = Array.from({ length: 6 }, (_, i) =>
      newPaymentCompleted({
        paymentId: randomUUID(),
        reservationId: reservations[i % 3]!,
        userId: `user-${i}`,
        concertId: randomUUID(),
        scheduleId: randomUUID(),
        seatNo: i + 1,
        amount: 80_000 + i,
      }),
    );
    const received: { event: PaymentCompletedV1; key: string; partition: number; correlationId?: string }[] = [];
    const allReceived = new Promise<void>((resolve, reject) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          const parsed = parsePaymentCompleted(message.value);
          if (!parsed.ok) return reject(new Error(parsed.reason));
          received.push({ event: parsed.event, key: message.key?.toString() ?? '', partition, correlationId: correlationIdFrom(message.headers) });
          if (received.length === events.length) resolve();
        },
      });
    });

    await runWithCorrelationId('corr-round-trip', async () => {
      const messages = events.map((event) => ({ ...toPaymentCompletedMessage(event), headers: correlationHeaders() }));
      await producer.send({ topic, messages });
    });
    await allReceived;

    expect(received.map((r) => r.event).sort((a, b) => a.seatNo - b.seatNo)).toEqual(events);
    expect(received.every((r) => r.key === r.event.reservationId)).toBe(true);
    expect(received.every((r) => r.correlationId === 'corr-round-trip')).toBe(true);
    for (const reservationId of reservations) {
      const same = received.filter((r) => r.key === reservationId);
      expect(same).toHaveLength(2);
      expect(same[0]!.partition).toBe(same[1]!.partition);
      expect(same[0]!.event.seatNo).toBeLessThan(same[1]!.event.seatNo);
    }
  });
});
