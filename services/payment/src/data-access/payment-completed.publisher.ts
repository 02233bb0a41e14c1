import { Partitioners, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { KafkaHeaders, toPaymentCompletedMessage, type PaymentCompletedV1 } from '@ticketing/contracts';
import type { OutboxRow } from './outbox.repository';

/**
 * Sends outbox rows to Kafka with an idempotent producer (acks from all in-sync replicas, one request in
 * flight, so its own retries never duplicate or reorder). After a failure the producer is dropped and a
 * fresh one connects on the next call: after a broker outage that beats nursing a half-dead connection.
 */
export class KafkaOutboxPublisher {
  private producer: Promise<Producer> | undefined;

  constructor(private readonly kafka: Kafka) {}

  async publish(rows: OutboxRow[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      // Re-validated here: a row that no longer matches the contract fails loudly instead of poisoning consumers.
      const message = toPaymentCompletedMessage(row.payload as PaymentCompletedV1, { correlationId: row.headers[KafkaHeaders.CorrelationId] });
      const batch = byTopic.get(row.topic) ?? { topic: row.topic, messages: [] };
      batch.messages.push(message);
      byTopic.set(row.topic, batch);
    }
    try {
      const producer = await this.connected();
      await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Safe to call twice, and when never connected. */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private connected(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        // Few, quick retries: the relay's own backoff handles long outages while the batch's rows stay locked.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }
}
