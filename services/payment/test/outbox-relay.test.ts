import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@ticketing/contracts';
import { ensureTopics, readLivePid, startKafkaBroker, stopProcess, type KafkaBrokerOptions } from '@ticketing/devstack';
import { freePort, waitFor } from '@ticketing/devstack/testing';
import { PAYMENT_TOKEN as BOOKING_TOKEN, startBooking, type BookingFixture } from '@ticketing/booking/testing';
import { holdSeat, seatDealer } from './support/booking-helpers';
import { collectPaymentEvents } from './support/kafka-events';
import { expectMoneyBalances, moneyOf } from './support/money';
import { startPayment, type PaymentFixture } from './support/payment-fixture';

// A broker of this test's own, on free ports: it is stopped and started again; the shared one never is.
jest.setTimeout(240_000);

describe('outbox relay through a Kafka outage', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'payment-outbox-'));
  let broker: KafkaBrokerOptions;
  let brokers: string[];
  let booking: BookingFixture;
  let payment: PaymentFixture;
  let stopRelay: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const dataDir = join(scratch, 'kafka');
    broker = { port: await freePort(), controllerPort: await freePort(), dataDir, logFile: join(dataDir, 'broker.log'), pidFile: join(dataDir, 'broker.pid'), heapMb: 384 };
    brokers = [(await startKafkaBroker(broker)).brokers];
    await ensureTopics(brokers.join(','), [{ topic: Topics.PaymentCompleted, numPartitions: 3 }]);
    // A few test users hold many seats each: the per-user cap is not what this suite is about.
    booking = await startBooking({ holdLimit: 1_000 });
    payment = await startPayment({ bookingUrl: booking.url, bookingToken: BOOKING_TOKEN });
  });

  afterAll(async () => {
    await stopRelay?.();
    await payment?.close();
    await booking?.close();
    const pid = readLivePid(broker.pidFile);
    if (pid !== undefined) await stopProcess(pid, broker.pidFile);
    rmSync(scratch, { recursive: true, force: true });
  });

  const metric = async (name: string) => {
    const text = await (await fetch(`${payment.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  /** Every message on the topic, counted from the partitions' offsets (this broker holds only this test's). */
  const messagesOnTopic = async () => {
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(Topics.PaymentCompleted);
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  };

  it('when Kafka is down while 10 payments complete, then every payment answers 201 and its event waits in the outbox; once the broker is back, each event is published exactly once', async () => {
    stopRelay = payment.startRelay(brokers, { maxBackoffMs: 1_000 });
    const nextSeat = seatDealer(booking);
    const userId = `outage-${randomUUID().slice(0, 8)}`;
    expect((await payment.call('POST', '/balance/charge', { userId, body: { amount: 2_000_000 } })).status).toBe(200);
    const holds = [];
    for (let i = 0; i < 10; i++) holds.push(await holdSeat(booking, userId, nextSeat()));
    await stopProcess(readLivePid(broker.pidFile)!, broker.pidFile);

    const answers = await Promise.all(holds.map((hold) => payment.call('POST', '/payments', { userId, body: { reservationId: hold.reservationId } })));
    // The relay has met the outage: every row was tried at least once, failed, and is still there.
    const whileDown = await waitFor('the relay to fail on every row', async () => {
      const rows = await payment.prisma.outboxEvent.findMany();
      return rows.length === 10 && rows.every((r) => r.attempts > 0 && r.lastError && !r.publishedAt) ? rows : undefined;
    }, 60_000);
    const lagWhileDown = await metric('payment_outbox_unpublished_events');
    await startKafkaBroker(broker);
    const published = await waitFor('the outbox to drain', async () => {
      const rows = await payment.prisma.outboxEvent.findMany();
      return rows.every((r) => r.publishedAt) ? rows : undefined;
    }, 120_000);
    const events = await collectPaymentEvents(brokers, { from: 'beginning' });
    const received = await waitFor('the 10 events', async () => (events.all().length >= 10 ? events.all() : undefined), 60_000);
    await events.stop();

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(whileDown).toHaveLength(10);
    expect(lagWhileDown).toBe(10);
    expect(await messagesOnTopic()).toBe(10);
    expect(received.map((r) => r.event.eventId).sort()).toEqual(published.map((r) => r.id).sort());
    expect(received.map((r) => r.key).sort()).toEqual(holds.map((h) => h.reservationId).sort());
    expect(await metric('payment_outbox_unpublished_events')).toBe(0);
    expectMoneyBalances(await moneyOf(payment.prisma, userId));
  });
});
