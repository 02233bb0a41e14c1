import { KafkaHeaders, TopicPartitions, Topics } from '../src';

describe('Topics', () => {
  it('when reading the names, then they are payment.completed and its DLQ', () => {
    expect(Topics).toEqual({ PaymentCompleted: 'payment.completed', PaymentCompletedDlq: 'payment.completed.dlq' });
  });
});

describe('TopicPartitions', () => {
  it('when reading the counts, then the main topic has 3 partitions and the DLQ 1', () => {
    expect(TopicPartitions).toEqual({ 'payment.completed': 6, 'payment.completed.dlq': 1 });
  });

  it('when every topic is listed, then each has a partition count', () => {
    for (const topic of Object.values(Topics)) expect(TopicPartitions[topic]).toBeGreaterThanOrEqual(1);
  });
});

describe('KafkaHeaders', () => {
  it('when reading the names, then correlation, type and DLQ reason headers are there', () => {
    expect(KafkaHeaders).toMatchObject({ CorrelationId: 'correlation-id', EventType: 'event-type', DlqReason: 'dlq-reason' });
  });

  it('when comparing all names, then they are distinct lower-case kebab-case strings', () => {
    const names = Object.values(KafkaHeaders);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });
});
