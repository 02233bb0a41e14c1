import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody, PaymentResponse, Topics } from '@ticketing/contracts';
import { ensureTopics } from '@ticketing/devstack';
import { waitFor } from '@ticketing/devstack/testing';
import { PAYMENT_TOKEN as BOOKING_TOKEN, startBooking, type BookingFixture } from '@ticketing/booking/testing';
import { holdSeat, seatDealer, seatState, setHoldExpiry } from './support/booking-helpers';
import { collectPaymentEvents, type EventCollector } from './support/kafka-events';
import { expectMoneyBalances, moneyOf } from './support/money';
import { startPayment, type PaymentFixture } from './support/payment-fixture';

/*
 * Payment's real app against booking's real app (its own schema and catalogue), the shared Postgres,
 * and `npm test`'s Kafka: the relay publishes to payment.completed, a consumer group of this file's own
 * reads it back, and every assertion filters by this file's reservation ids.
 */
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const newUser = () => `payer-${randomUUID().slice(0, 8)}`;

describe('POST /payments', () => {
  let booking: BookingFixture;
  let payment: PaymentFixture;
  let events: EventCollector;
  let stopRelay: () => Promise<void>;
  let nextSeat: ReturnType<typeof seatDealer>;

  beforeAll(async () => {
    booking = await startBooking();
    nextSeat = seatDealer(booking);
    payment = await startPayment({ bookingUrl: booking.url, bookingToken: BOOKING_TOKEN });
    await ensureTopics(BROKERS.join(','), [{ topic: Topics.PaymentCompleted, numPartitions: 3 }]);
    events = await collectPaymentEvents(BROKERS);
    stopRelay = payment.startRelay(BROKERS);
  }, 120_000);

  afterAll(async () => {
    await stopRelay?.();
    await events?.stop();
    await payment?.close();
    await booking?.close();
  });

  const funded = async (amount: number) => {
    const userId = newUser();
    expect((await payment.call('POST', '/balance/charge', { userId, body: { amount } })).status).toBe(200);
    return userId;
  };
  const pay = (userId: string, reservationId: string, options: { key?: string; requestId?: string } = {}) =>
    payment.call('POST', '/payments', { userId, body: { reservationId }, ...options });
  const paymentsFor = (reservationId: string) => payment.prisma.payment.findMany({ where: { reservationId } });
  const outboxFor = (reservationId: string) => payment.prisma.outboxEvent.findMany({ where: { key: reservationId } });
  const publishedEvents = async (reservationId: string) => {
    await waitFor('the outbox row to be published', async () => ((await outboxFor(reservationId)).every((row) => row.publishedAt) ? true : undefined), 60_000);
    return waitFor('the event on Kafka', async () => {
      const received = events.forReservations([reservationId]);
      return received.length > 0 ? received : undefined;
    }, 60_000);
  };

  it('when a funded user pays their live hold, then 201 COMPLETED, the price leaves the balance once, the seat is confirmed and one PaymentCompleted with the request id reaches Kafka', async () => {
    const userId = await funded(200_000);
    const hold = await holdSeat(booking, userId, nextSeat());
    const requestId = `pay-${randomUUID()}`;

    const answer = await pay(userId, hold.reservationId, { requestId });

    expect(answer.status).toBe(201);
    const body = PaymentResponse.parse(answer.body);
    expect(body).toEqual({ paymentId: expect.any(String), reservationId: hold.reservationId, amount: hold.price, status: 'COMPLETED' });
    const money = await moneyOf(payment.prisma, userId);
    expect(money).toMatchObject({ balance: 200_000 - hold.price, charged: 200_000, paid: hold.price, refunded: 0, completed: hold.price });
    expectMoneyBalances(money);
    expect(await seatState(booking, hold.reservationId)).toEqual({ reservation: 'CONFIRMED', paymentId: body.paymentId, seat: 'RESERVED' });
    const received = await publishedEvents(hold.reservationId);
    const [outbox] = await outboxFor(hold.reservationId);
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({
      key: hold.reservationId,
      correlationId: requestId,
      event: expect.objectContaining({
        eventId: outbox!.id,
        type: 'PaymentCompleted',
        paymentId: body.paymentId,
        reservationId: hold.reservationId,
        userId,
        concertId: booking.concertIds[0],
        scheduleId: hold.scheduleId,
        seatNo: hold.seatNo,
        amount: hold.price,
      }),
    });
  });

  it('when the balance does not cover the price, then 409 INSUFFICIENT_BALANCE and nothing changes: balance, ledger, payments, outbox, and the seat stays HELD', async () => {
    const userId = await funded(1_000);
    const hold = await holdSeat(booking, userId, nextSeat());

    const answer = await pay(userId, hold.reservationId);

    expect(answer.status).toBe(409);
    expect(ErrorBody.parse(answer.body).code).toBe('PAYMENT.INSUFFICIENT_BALANCE');
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 1_000, charged: 1_000, paid: 0, refunded: 0, ledgerRows: 1 });
    expect(await paymentsFor(hold.reservationId)).toEqual([]);
    expect(await outboxFor(hold.reservationId)).toEqual([]);
    expect(await seatState(booking, hold.reservationId)).toEqual({ reservation: 'HELD', paymentId: null, seat: 'HELD' });
  });

  it('when 20 payments of one reservation arrive at once without a key, then one 201 and 19 × 409 ALREADY_PAID, one payment, one deduction, one outbox row and one event', async () => {
    const userId = await funded(1_000_000);
    const hold = await holdSeat(booking, userId, nextSeat());

    const answers = await Promise.all(Array.from({ length: 20 }, () => pay(userId, hold.reservationId)));

    const winners = answers.filter((a) => a.status === 201);
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.code])).toEqual(Array(19).fill([409, 'PAYMENT.ALREADY_PAID']));
    const rows = await paymentsFor(hold.reservationId);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[winners[0]!.body.paymentId, 'COMPLETED']]);
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 1_000_000 - hold.price, paid: hold.price, refunded: 0, completed: hold.price });
    expect(await outboxFor(hold.reservationId)).toHaveLength(1);
    expect(await publishedEvents(hold.reservationId)).toHaveLength(1);
    expect(await seatState(booking, hold.reservationId)).toMatchObject({ reservation: 'CONFIRMED', paymentId: winners[0]!.body.paymentId });
  });

  it('when 20 payments of one reservation arrive at once with one shared Idempotency-Key, then all 20 get the same 201 body, charged once, with one outbox row and one event', async () => {
    const userId = await funded(1_000_000);
    const hold = await holdSeat(booking, userId, nextSeat());
    const key = `key-${randomUUID()}`;

    const answers = await Promise.all(Array.from({ length: 20 }, () => pay(userId, hold.reservationId, { key })));

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const first = PaymentResponse.parse(answers[0]!.body);
    expect(answers.map((a) => a.body)).toEqual(Array(20).fill(first));
    expect((await paymentsFor(hold.reservationId)).map((r) => [r.id, r.status, r.idempotencyKey])).toEqual([[first.paymentId, 'COMPLETED', key]]);
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 1_000_000 - hold.price, paid: hold.price, refunded: 0 });
    expect(await outboxFor(hold.reservationId)).toHaveLength(1);
    expect(await publishedEvents(hold.reservationId)).toHaveLength(1);
  });

  it('when a completed payment is asked again with its key, then the first 201 is replayed; without the key, 409 ALREADY_PAID; nothing is charged again', async () => {
    const userId = await funded(500_000);
    const hold = await holdSeat(booking, userId, nextSeat());
    const key = `key-${randomUUID()}`;
    const first = await pay(userId, hold.reservationId, { key });

    const again = await pay(userId, hold.reservationId, { key });
    const keyless = await pay(userId, hold.reservationId);

    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(keyless).toMatchObject({ status: 409, body: { code: 'PAYMENT.ALREADY_PAID' } });
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 500_000 - hold.price, paid: hold.price });
  });

  it('when an Idempotency-Key is reused for another reservation, then 409 IDEMPOTENCY_KEY_REUSED and the second seat is neither paid nor touched', async () => {
    const userId = await funded(1_000_000);
    const [firstHold, secondHold] = [await holdSeat(booking, userId, nextSeat()), await holdSeat(booking, userId, nextSeat())];
    const key = `key-${randomUUID()}`;
    expect((await pay(userId, firstHold.reservationId, { key })).status).toBe(201);

    const reused = await pay(userId, secondHold.reservationId, { key });

    expect(reused).toMatchObject({ status: 409, body: { code: 'PAYMENT.IDEMPOTENCY_KEY_REUSED' } });
    expect(await paymentsFor(secondHold.reservationId)).toEqual([]);
    expect(await seatState(booking, secondHold.reservationId)).toEqual({ reservation: 'HELD', paymentId: null, seat: 'HELD' });
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 1_000_000 - firstHold.price, paid: firstHold.price });
  });

  it("when a user pays someone else's hold, then 404 RESERVATION_NOT_FOUND and neither user's money nor the seat changes", async () => {
    const owner = await funded(500_000);
    const stranger = await funded(500_000);
    const hold = await holdSeat(booking, owner, nextSeat());

    const answer = await pay(stranger, hold.reservationId);

    expect(answer).toMatchObject({ status: 404, body: { code: 'BOOKING.RESERVATION_NOT_FOUND' } });
    expect((await moneyOf(payment.prisma, stranger)).balance).toBe(500_000);
    expect((await moneyOf(payment.prisma, owner)).balance).toBe(500_000);
    expect(await seatState(booking, hold.reservationId)).toEqual({ reservation: 'HELD', paymentId: null, seat: 'HELD' });
  });

  it('when the hold has already expired, then 409 RESERVATION_EXPIRED and no money moves', async () => {
    const userId = await funded(500_000);
    const hold = await holdSeat(booking, userId, nextSeat());
    await setHoldExpiry(booking, hold.reservationId, -1_000);

    const answer = await pay(userId, hold.reservationId);

    expect(answer).toMatchObject({ status: 409, body: { code: 'BOOKING.RESERVATION_EXPIRED' } });
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 500_000, paid: 0, refunded: 0, ledgerRows: 1 });
    expect(await paymentsFor(hold.reservationId)).toEqual([]);
  });

  it.each([
    { input: 'a reservationId that is not a UUID', body: { reservationId: 'seat-1' }, key: undefined, code: 'VALIDATION.INVALID_BODY' },
    { input: 'an unknown body field', body: { reservationId: randomUUID(), amount: 1 }, key: undefined, code: 'VALIDATION.INVALID_BODY' },
    { input: 'an Idempotency-Key holding a space', body: { reservationId: randomUUID() }, key: 'two words', code: 'VALIDATION.INVALID_HEADER' },
  ])('when the request has $input, then 400 $code and nothing is written', async ({ body, key, code }) => {
    const userId = await funded(100);

    const answer = await payment.call('POST', '/payments', { userId, body, ...(key ? { key } : {}) });

    expect(answer).toMatchObject({ status: 400, body: { code } });
    expect(await payment.prisma.payment.count({ where: { userId } })).toBe(0);
  });
});
