import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { Topics, toPaymentCompletedMessage } from '@ticketing/contracts';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { waitFor } from '@ticketing/devstack/testing';
import type { PaymentCompletedConsumer } from '../src/entry-points/kafka/payment-completed.consumer';
import { anEvent, committedOffsets, produce } from './support/kafka-helpers';
import { startSink, type SinkFixture } from './support/sink-fixture';

/*
 * The sink writes through a TCP proxy this test owns in front of the shared Postgres; cutting the proxy
 * is the outage (the shared server is never touched). Short retry pauses keep the test quick; the
 * production ceiling is 30 s.
 */
describe('PaymentCompleted consumer, Postgres outage', () => {
  let proxy: TcpProxy;
  let sink: SinkFixture;
  let producer: Producer;
  let consumer: PaymentCompletedConsumer;

  beforeAll(async () => {
    const database = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test');
    proxy = await startTcpProxy(Number(database.port || 5432), database.hostname);
    database.host = `127.0.0.1:${proxy.port}`;
    sink = await startSink({ label: 'outage', databaseUrl: database.toString(), retry: { initialDelayMs: 100, maxDelayMs: 1_000 } });
    producer = sink.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = sink.startConsumer();
  }, 60_000);

  afterAll(async () => {
    await proxy?.restore();
    await producer?.disconnect();
    await sink?.close();
    await proxy?.close();
  });

  it('when Postgres is unreachable while events arrive, then no offset is committed past them and each is stored exactly once when it returns', async () => {
    const events = Array.from({ length: 6 }, () => anEvent());
    const failuresBefore = await sink.counter('sink_delivery_failures_total');

    await proxy.cut();
    const landed = await produce(producer, Topics.PaymentCompleted, events.map((event) => toPaymentCompletedMessage(event)));
    // Failures mount while it is down (each failed attempt counts the deliveries it held): it retries, never skips.
    await waitFor('failed store attempts', async () => ((await sink.counter('sink_delivery_failures_total')) >= failuresBefore + events.length ? true : undefined), 60_000);
    const duringOutage = await committedOffsets(sink.admin, sink.groupId, Topics.PaymentCompleted);
    await proxy.restore();
    const ids = events.map((event) => event.eventId);
    const rows = await waitFor('every event stored', async () => {
      const found = await sink.prisma.storedEvent.findMany({ where: { eventId: { in: ids } } });
      return found.length === ids.length ? found : undefined;
    }, 90_000);

    expect(landed.every(({ partition, offset }) => (duringOutage.get(partition) ?? -1n) <= offset)).toBe(true);
    expect(rows.map((row) => row.eventId).sort()).toEqual([...ids].sort());
    expect(rows.every((row) => row.duplicateDeliveries === 0)).toBe(true);
    const afterOutage = await waitFor('offsets committed past the events', async () => {
      const offsets = await committedOffsets(sink.admin, sink.groupId, Topics.PaymentCompleted);
      return landed.every(({ partition, offset }) => (offsets.get(partition) ?? -1n) > offset) ? offsets : undefined;
    });
    expect(afterOutage.size).toBeGreaterThan(0);
  });

  it('when the consumer is stopped during the outage and a new instance starts once Postgres is back, then every event is stored exactly once', async () => {
    const events = Array.from({ length: 4 }, () => anEvent());
    const failuresBefore = await sink.counter('sink_delivery_failures_total');
    await proxy.cut();
    await produce(producer, Topics.PaymentCompleted, events.map((event) => toPaymentCompletedMessage(event)));
    await waitFor('failed store attempts', async () => ((await sink.counter('sink_delivery_failures_total')) >= failuresBefore + events.length ? true : undefined), 60_000);

    await consumer.close();
    await proxy.restore();
    consumer = sink.startConsumer();
    const ids = events.map((event) => event.eventId);
    const rows = await waitFor('every event stored', async () => {
      const found = await sink.prisma.storedEvent.findMany({ where: { eventId: { in: ids } } });
      return found.length === ids.length ? found : undefined;
    }, 90_000);

    expect(rows.map((row) => row.eventId).sort()).toEqual([...ids].sort());
    expect(rows.every((row) => row.duplicateDeliveries === 0)).toBe(true);
  });
});
