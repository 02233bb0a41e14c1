/** Kafka topic names, spelled once for producers, consumers and the dev stack that creates them. */
export const Topics = {
  /** PaymentCompletedV1 events, keyed by reservationId. */
  PaymentCompleted: 'payment.completed',
  /** Messages a consumer could not parse or apply, with the reason in a `dlq-reason` header. */
  PaymentCompletedDlq: 'payment.completed.dlq',
} as const;

/** One of the topic names above. */
export type Topic = (typeof Topics)[keyof typeof Topics];

/**
 * Partitions each topic is created with. Six for the main topic so up to six consumer instances per group
 * (sinks, gateways) share the work while the reservationId key keeps each reservation's events in order
 * (an existing topic with fewer is grown: new events of a key may then land on another partition than
 * its old ones, which is harmless here, as each key's events are one payment's); one for the DLQ,
 * which is low-volume and read by people, in arrival order.
 */
export const TopicPartitions: Readonly<Record<Topic, number>> = {
  [Topics.PaymentCompleted]: 6,
  [Topics.PaymentCompletedDlq]: 1,
};

/**
 * Kafka header names. Header values travel as bytes; write strings, and read them back with
 * `.toString()`. Correlation ids ride in headers, not in the event, so the event stays a pure fact.
 */
export const KafkaHeaders = {
  /** The `X-Request-Id` of the HTTP request that caused the event. */
  CorrelationId: 'correlation-id',
  /** Event type, e.g. `PaymentCompleted`, so a consumer can route without parsing the body. */
  EventType: 'event-type',
  /** Event schema version as a decimal string, e.g. `1`. */
  EventVersion: 'event-version',
  /** On DLQ messages: why the message was dead-lettered (one readable line). */
  DlqReason: 'dlq-reason',
  /** On DLQ messages: where the original message came from. */
  DlqOriginalTopic: 'dlq-original-topic',
  DlqOriginalPartition: 'dlq-original-partition',
  DlqOriginalOffset: 'dlq-original-offset',
  /** On DLQ messages: the consumer group that gave up on it. */
  DlqConsumerGroup: 'dlq-consumer-group',
  /** On DLQ messages: ISO time it was dead-lettered. */
  DlqFailedAt: 'dlq-failed-at',
} as const;

/** One of the Kafka header names above. */
export type KafkaHeaderName = (typeof KafkaHeaders)[keyof typeof KafkaHeaders];
