import { Partitioners, type IHeaders, type Kafka, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { KafkaHeaders, Topics } from '@ticketing/contracts';
import type { DeadLetter, DeadLetterQueue } from '../domain/stored-event';

/**
 * Sends poison messages to payment.completed.dlq unchanged (key, value and original headers, so they
 * can be replayed once fixed) plus the dlq-* headers saying why and from where. Acknowledged by all
 * in-sync replicas before the consumer may commit past them.
 */
export class KafkaDeadLetterQueue implements DeadLetterQueue<KafkaMessage> {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly groupId: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Bounded retries, ending well inside the consumer's 30 s session: a broker outage fails the batch
    // (redelivered later) instead of the consumer being thrown out of its group while it waits. That
    // rules out the idempotent producer (it wants unbounded retries), so a letter may be written twice
    // after a lost acknowledgement: the DLQ is at-least-once, like every Kafka hand-off.
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, maxRetryTime: 5_000 },
    });
  }

  async send(letters: readonly DeadLetter<KafkaMessage>[]): Promise<void> {
    await this.connect();
    const failedAt = this.now().toISOString();
    await this.producer.send({ topic: Topics.PaymentCompletedDlq, acks: -1, messages: letters.map((letter) => this.toMessage(letter, failedAt)) });
  }

  /** Safe to call twice, and before any letter was sent. */
  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  /** Connects on the first letter, so a sink that never meets a poison message needs no producer. */
  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private toMessage({ message, position, reason }: DeadLetter<KafkaMessage>, failedAt: string): Message {
    return {
      key: message.key,
      value: message.value,
      headers: {
        ...definedHeaders(message.headers),
        [KafkaHeaders.DlqReason]: reason,
        [KafkaHeaders.DlqOriginalTopic]: position.topic,
        [KafkaHeaders.DlqOriginalPartition]: String(position.partition),
        [KafkaHeaders.DlqOriginalOffset]: position.offset,
        [KafkaHeaders.DlqConsumerGroup]: this.groupId,
        [KafkaHeaders.DlqFailedAt]: failedAt,
      },
    };
  }
}

function definedHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([, value]) => value !== undefined));
}
