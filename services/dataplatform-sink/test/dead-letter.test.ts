import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { KafkaHeaders, Topics, toPaymentCompletedMessage } from '@ticketing/contracts';
import { waitFor } from '@ticketing/devstack/testing';
import { anEvent, committedOffsets, header, produce, readDeadLetters } from './support/kafka-helpers';
import { startSink, type SinkFixture } from './support/sink-fixture';

/*
 * Poison messages through the real broker: each must land on payment.completed.dlq with its reason and
 * origin, and the partition must move on to the next valid event instead of crash-looping on it.
 */
describe('PaymentCompleted consumer, dead letters', () => {
  let sink: SinkFixture;
  let producer: Producer;
  let reader: Awaited<ReturnType<typeof readDeadLetters>>;

  beforeAll(async () => {
    sink = await startSink({ label: 'dlq' });
    reader = await readDeadLetters(sink.kafka, sink.admin, Topics.PaymentCompletedDlq, sink.groupId);
    producer = sink.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    sink.startConsumer();
  }, 60_000);

  afterAll(async () => {
    await reader?.close();
    await producer?.disconnect();
    await sink?.close();
  });

  it('when malformed messages precede a valid event, then each is dead-lettered with its reason and origin, and the valid event is stored', async () => {
    // One key, so all five share a partition and the valid event really comes after the poison.
    const key = anEvent().reservationId;
    const tooExpensive = anEvent({ amount: 3_000_000_000 }); // valid by the contract, beyond the amount column
    const valid = anEvent({ reservationId: key });
    const poison = [
      { key, value: '{"eventId":', why: /malformed JSON/ },
      { key, value: JSON.stringify({ ...anEvent(), version: 2 }), why: /unsupported PaymentCompleted version 2/ },
      { key, value: JSON.stringify({ ...anEvent(), eventId: undefined }), why: /eventId/ },
      { key, value: JSON.stringify(tooExpensive), why: /out of range/ },
    ];
    const before = await sink.counter('sink_dead_letters_total');

    const landed = await produce(producer, Topics.PaymentCompleted, [
      ...poison.map(({ key: k, value }) => ({ key: k, value, headers: { [KafkaHeaders.CorrelationId]: 'corr-poison' } })),
      toPaymentCompletedMessage(valid),
    ]);
    // The group also dead-letters other tests' poison on the shared topic: ours are the ones with our key.
    const ours = () => reader.letters.filter((letter) => letter.key?.toString() === key);
    const letters = await waitFor('four dead letters', async () => (ours().length >= 4 ? ours() : undefined), 60_000);
    const stored = await waitFor('the valid event stored', () => sink.prisma.storedEvent.findUnique({ where: { eventId: valid.eventId } }).then((row) => row ?? undefined));

    expect(letters).toHaveLength(4);
    letters.forEach((letter, i) => {
      expect(letter.key?.toString()).toBe(key);
      expect(letter.value?.toString()).toBe(poison[i]!.value);
      expect(header(letter, KafkaHeaders.DlqReason)).toMatch(poison[i]!.why);
      expect(header(letter, KafkaHeaders.DlqOriginalTopic)).toBe(Topics.PaymentCompleted);
      expect(header(letter, KafkaHeaders.DlqOriginalPartition)).toBe(String(landed[i]!.partition));
      expect(header(letter, KafkaHeaders.DlqOriginalOffset)).toBe(String(landed[i]!.offset));
      expect(header(letter, KafkaHeaders.DlqConsumerGroup)).toBe(sink.groupId);
      expect(new Date(header(letter, KafkaHeaders.DlqFailedAt)!).toISOString()).toBe(header(letter, KafkaHeaders.DlqFailedAt));
      expect(header(letter, KafkaHeaders.CorrelationId)).toBe('corr-poison');
    });
    expect(stored.offset).toBe(String(landed[4]!.offset));
    expect(await sink.prisma.storedEvent.count({ where: { eventId: tooExpensive.eventId } })).toBe(0);
    expect(await sink.counter('sink_dead_letters_total')).toBeGreaterThanOrEqual(before + 4);
    const { partition, offset } = landed[4]!;
    const committed = await waitFor('offset committed past the poison', async () => {
      const next = (await committedOffsets(sink.admin, sink.groupId, Topics.PaymentCompleted)).get(partition);
      return next !== undefined && next > offset ? next : undefined;
    });
    expect(committed).toBeGreaterThan(offset);
  });
});
