import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { Topics, toPaymentCompletedMessage } from '@ticketing/contracts';
import { waitFor } from '@ticketing/devstack/testing';
import type { PaymentCompletedConsumer } from '../src/entry-points/kafka/payment-completed.consumer';
import { anEvent, committedOffsets, produce } from './support/kafka-helpers';
import { startSink, type SinkFixture } from './support/sink-fixture';

/*
 * The consumer against the real broker and Postgres. The topic is shared with other tests, so the group
 * is this file's own (placed at the topic's end) and every assertion looks only at this file's eventIds.
 */
describe('PaymentCompleted consumer', () => {
  let sink: SinkFixture;
  let consumer: PaymentCompletedConsumer;
  let producer: Producer;

  beforeAll(async () => {
    sink = await startSink({ label: 'storage' });
    producer = sink.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = sink.startConsumer();
    await consumer.ready;
  }, 60_000);

  afterAll(async () => {
    await producer?.disconnect();
    await sink?.close();
  });

  const rowsOf = (eventIds: string[]) => sink.prisma.storedEvent.findMany({ where: { eventId: { in: eventIds } }, orderBy: { eventId: 'asc' } });
  const waitForRows = (eventIds: string[], check: (rows: Awaited<ReturnType<typeof rowsOf>>) => boolean = (rows) => rows.length === eventIds.length) =>
    waitFor(`rows of ${eventIds.length} events`, async () => {
      const rows = await rowsOf(eventIds);
      return check(rows) ? rows : undefined;
    }, 60_000);

  it('when an event is published, then it is stored once with its payload and log position, and the stats count it', async () => {
    const event = anEvent();

    const [landed] = await produce(producer, Topics.PaymentCompleted, [toPaymentCompletedMessage(event, { correlationId: 'corr-storage-1' })]);
    const [row] = await waitForRows([event.eventId]);

    expect(row).toMatchObject({
      eventId: event.eventId,
      type: 'PaymentCompleted',
      version: 1,
      paymentId: event.paymentId,
      reservationId: event.reservationId,
      userId: event.userId,
      amount: event.amount,
      occurredAt: new Date(event.occurredAt),
      payload: event,
      topic: Topics.PaymentCompleted,
      partition: landed!.partition,
      offset: String(landed!.offset),
      duplicateDeliveries: 0,
    });
    const stats = await sink.stats();
    expect(stats.stored).toBeGreaterThanOrEqual(1);
    expect(stats.lastEventAt).not.toBeNull();
  });

  it('when the same event is delivered twice, then one row and the delivery after it counted as a duplicate', async () => {
    const event = anEvent();
    const before = await sink.stats();

    await produce(producer, Topics.PaymentCompleted, [toPaymentCompletedMessage(event), toPaymentCompletedMessage(event)]);
    const rows = await waitForRows([event.eventId], (found) => found[0]?.duplicateDeliveries === 1);

    expect(rows).toHaveLength(1);
    expect(await sink.prisma.storedEvent.count({ where: { eventId: event.eventId } })).toBe(1);
    // Other tests publish to the same topic meanwhile: the global counter grew by at least this one.
    const after = await sink.stats();
    expect(after.duplicatesIgnored).toBeGreaterThanOrEqual(before.duplicatesIgnored + 1);
  });

  it('when a new consumer instance of the same group takes over, then it stores what was published meanwhile and redelivers nothing', async () => {
    const first = anEvent();
    const whileDown = [anEvent(), anEvent(), anEvent()];
    await produce(producer, Topics.PaymentCompleted, [toPaymentCompletedMessage(first)]);
    await waitForRows([first.eventId]);

    await consumer.close();
    const landed = await produce(producer, Topics.PaymentCompleted, whileDown.map((event) => toPaymentCompletedMessage(event)));
    consumer = sink.startConsumer();
    const ids = [first, ...whileDown].map((event) => event.eventId);
    const rows = await waitForRows(ids);

    expect(rows.map((row) => row.eventId)).toEqual([...ids].sort());
    // Offsets were committed before the first instance left: nothing it had stored came back to the second.
    expect(rows.every((row) => row.duplicateDeliveries === 0)).toBe(true);
    const committed = await waitFor('offsets committed past the events', async () => {
      const offsets = await committedOffsets(sink.admin, sink.groupId, Topics.PaymentCompleted);
      return landed.every(({ partition, offset }) => (offsets.get(partition) ?? -1n) > offset) ? offsets : undefined;
    });
    expect(committed.size).toBeGreaterThan(0);
  });

  it('when many events arrive at once, then each is stored exactly once and the metrics count them', async () => {
    const events = Array.from({ length: 300 }, () => anEvent());
    const storedBefore = await sink.counter('sink_events_stored_total');

    await producer.send({ topic: Topics.PaymentCompleted, acks: -1, messages: events.map((event) => toPaymentCompletedMessage(event)) });
    const rows = await waitForRows(events.map((event) => event.eventId));

    expect(new Set(rows.map((row) => row.eventId)).size).toBe(300);
    expect(rows.every((row) => row.duplicateDeliveries === 0)).toBe(true);
    expect(await sink.counter('sink_events_stored_total')).toBeGreaterThanOrEqual(storedBefore + 300);
  });
});
