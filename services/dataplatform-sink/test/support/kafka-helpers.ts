import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { KafkaHeaders, newPaymentCompleted, parsePaymentCompleted, Topics, type PaymentCompletedV1 } from '@ticketing/contracts';
import { createKafka, createLogger } from '@ticketing/service-kit';
import type { Progress } from '../../src/domain/event-sink.service';
import type { Delivery } from '../../src/domain/stored-event';

/** The broker `npm test` runs; the topics exist (auto-creation is off). */
export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export const silentLogger = () => createLogger({ service: 'dataplatform-sink-test', level: 'silent' });

export const testKafka = (clientId: string): Kafka => createKafka({ clientId, brokers: BROKERS, logger: silentLogger() });

/** A valid event with fresh ids, so a test finds its own rows among other tests' traffic. */
export const anEvent = (fields: Partial<PaymentCompletedV1> = {}): PaymentCompletedV1 => ({
  ...newPaymentCompleted({ paymentId: randomUUID(), reservationId: randomUUID(), userId: 'fan-1', concertId: randomUUID(), scheduleId: randomUUID(), seatNo: 7, amount: 80_000 }),
  ...fields,
});

/**
 * A brand-new consumer group whose committed offsets are the topic's current end. The shared topic
 * carries other tests' history; a group placed at its end sees only what is published from now on,
 * whenever its consumer joins, and a restarted consumer resumes exactly where the last one stopped.
 */
export async function newGroupAtEnd(admin: Admin, topic: string, label: string): Promise<string> {
  const groupId = `${label}-${randomUUID()}`;
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  return groupId;
}

/** The group's committed offset per partition (the next offset it will read). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
}

/** Sends and answers where each message landed (partition, offset), in the order given. */
export async function produce(producer: Producer, topic: string, messages: Message[]): Promise<{ partition: number; offset: bigint }[]> {
  const landed: { partition: number; offset: bigint }[] = [];
  // One send per message: kafkajs reports one base offset per partition, not one per message.
  for (const message of messages) {
    const [meta] = await producer.send({ topic, messages: [message], acks: -1 });
    landed.push({ partition: meta!.partition, offset: BigInt(meta!.baseOffset!) });
  }
  return landed;
}

export const header = (message: KafkaMessage, name: string): string | undefined => message.headers?.[name]?.toString();

/** Reads the dead-letter topic from its current end, keeping the letters one sink group wrote. */
export async function readDeadLetters(kafka: Kafka, admin: Admin, topic: string, sinkGroupId: string) {
  const letters: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: await newGroupAtEnd(admin, topic, 'dlq-reader'), maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (header(message, KafkaHeaders.DlqConsumerGroup) === sinkGroupId) letters.push(message);
    },
  });
  return { letters, close: () => consumer.disconnect() };
}

/**
 * A delivery as the consumer builds it from a message at `offset`, for tests that drive the sink's
 * rules without a broker. `value` defaults to the event's JSON.
 */
export function aDelivery(event: PaymentCompletedV1 | undefined, offset: number, value = JSON.stringify(event)): Delivery<KafkaMessage> {
  const message: KafkaMessage = { key: Buffer.from(event?.reservationId ?? 'no-key'), value: Buffer.from(value), timestamp: String(Date.now()), attributes: 0, offset: String(offset), headers: {} };
  return { message, position: { topic: Topics.PaymentCompleted, partition: 0, offset: String(offset) }, correlationId: undefined, parsed: parsePaymentCompleted(message.value) };
}

/** Progress that records which offsets were reported done. */
export function recordingProgress(): Progress & { doneOffsets: string[] } {
  const doneOffsets: string[] = [];
  return { doneOffsets, done: async (offset) => void doneOffsets.push(offset), interrupted: () => false };
}
