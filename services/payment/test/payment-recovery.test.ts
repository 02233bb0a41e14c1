import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { waitFor } from '@ticketing/devstack/testing';
import { PAYMENT_TOKEN as BOOKING_TOKEN } from '@ticketing/booking/testing';
import { recoverPendingPayments, startPaymentRecovery } from '../src/entry-points/jobs/payment-recovery.job';
import { holdSeat, seatState, setHoldExpiry, type Hold } from './support/booking-helpers';
import { expectMoneyBalances, moneyOf } from './support/money';
import { startPayment, type PaymentFixture } from './support/payment-fixture';
import { proxiedPaymentRig } from './support/proxied-payment';

/*
 * Payments left half-way: booking unreachable when asked to confirm (a proxy drops the call), or a
 * crash right after the deduction (that state written with the real store, exactly as the first
 * transaction leaves it). Recovery must finish or refund each one, once, whoever runs it.
 */
describe('payment recovery', () => {
  const rig = proxiedPaymentRig({ idempotencyWaitMs: 200 });

  const funded = async (amount: number, fixture: PaymentFixture = rig.payment) => {
    const userId = `crashed-${randomUUID().slice(0, 8)}`;
    expect((await fixture.call('POST', '/balance/charge', { userId, body: { amount } })).status).toBe(200);
    return userId;
  };
  const pay = (userId: string, reservationId: string, key?: string) => rig.payment.call('POST', '/payments', { userId, body: { reservationId }, ...(key ? { key } : {}) });
  const paymentOf = (reservationId: string) => rig.payment.prisma.payment.findUniqueOrThrow({ where: { reservationId } });
  /** As if a minute had passed since the payment was last touched (started, or claimed by a recoverer). */
  const aMinuteLater = (paymentIds: string[]) => rig.payment.prisma.$executeRaw`UPDATE payments SET updated_at = updated_at - interval '1 minute' WHERE id = ANY(${paymentIds}::uuid[])`;
  /** The state a crash right after the first transaction leaves: PENDING, deducted, booking never asked. */
  const crashedAfterDeduction = async (fixture: PaymentFixture, userId: string, hold: Hold, options: { crashedAgo: 'now' | 'a minute' } = { crashedAgo: 'a minute' }) => {
    const id = randomUUID();
    const seen = await fixture.prisma.balance.findUniqueOrThrow({ where: { userId } });
    const started = await fixture.wiring.paymentStore.start({ id, reservationId: hold.reservationId, userId, amount: hold.price, correlationId: `crash-${id}`, idempotencyKey: null }, seen);
    expect(started).toEqual({ kind: 'started' });
    if (options.crashedAgo === 'a minute') await aMinuteLater([id]);
    return id;
  };
  /** One pass with the default takeover threshold (30 s). */
  const recoverNow = (fixture: PaymentFixture = rig.payment) =>
    recoverPendingPayments({ payments: fixture.wiring.paymentStore, settlement: fixture.wiring.settlement, events: fixture.wiring.events, logger: fixture.logger, olderThanMs: 30_000, batchSize: 50 });

  it('when booking cannot be reached to confirm, then 503 UNAVAILABLE with the payment PENDING and the seat HELD; the recovery job then completes it with its outbox row and the seat confirmed', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    rig.proxy.onConfirm = async () => 'drop';

    const answer = await pay(userId, hold.reservationId);
    const pending = { payment: await paymentOf(hold.reservationId), money: await moneyOf(rig.payment.prisma, userId), seat: await seatState(rig.booking, hold.reservationId) };
    rig.proxy.onConfirm = undefined;
    const stop = startPaymentRecovery({ payments: rig.payment.wiring.paymentStore, settlement: rig.payment.wiring.settlement, events: rig.payment.wiring.events, logger: rig.payment.logger, olderThanMs: 0, batchSize: 10, intervalMs: 100 });
    const completed = await waitFor('recovery to complete the payment', async () => {
      const row = await paymentOf(hold.reservationId);
      return row.status === 'COMPLETED' ? row : undefined;
    });
    await stop();

    expect(answer).toMatchObject({ status: 503, body: { code: 'COMMON.UNAVAILABLE' } });
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(pending.payment.status).toBe('PENDING');
    expect(pending.money).toMatchObject({ balance: 400_000 - hold.price, paid: hold.price, refunded: 0 });
    expect(pending.seat).toEqual({ reservation: 'HELD', paymentId: null, seat: 'HELD' });
    expect(completed.responseBody).toEqual({ paymentId: completed.id, reservationId: hold.reservationId, amount: hold.price, status: 'COMPLETED' });
    expect(await seatState(rig.booking, hold.reservationId)).toEqual({ reservation: 'CONFIRMED', paymentId: completed.id, seat: 'RESERVED' });
    const outbox = await rig.payment.prisma.outboxEvent.findMany({ where: { key: hold.reservationId } });
    expect(outbox).toHaveLength(1);
    // The event finished by recovery still carries the id of the request that started the rig.payment.
    expect(outbox[0]!.headers).toEqual({ 'correlation-id': completed.correlationId });
    expectMoneyBalances(await moneyOf(rig.payment.prisma, userId));
  });

  it('when the client retries with the same Idempotency-Key after a 503, then the retry finishes the saga itself and answers 201, charged once', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const key = `key-${randomUUID()}`;
    rig.proxy.onConfirm = async () => 'drop';
    const first = await pay(userId, hold.reservationId, key);
    rig.proxy.onConfirm = undefined;

    const retry = await pay(userId, hold.reservationId, key);

    expect(first.status).toBe(503);
    expect(retry).toMatchObject({ status: 201, body: { reservationId: hold.reservationId, amount: hold.price, status: 'COMPLETED' } });
    expect(await moneyOf(rig.payment.prisma, userId)).toMatchObject({ balance: 400_000 - hold.price, paid: hold.price, refunded: 0, completed: hold.price });
    expect(await seatState(rig.booking, hold.reservationId)).toMatchObject({ reservation: 'CONFIRMED', paymentId: retry.body.paymentId });
  });

  it('when a crash left a payment PENDING after the deduction and its hold is still live, then recovery confirms the seat and completes the payment with one outbox row', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const paymentId = await crashedAfterDeduction(rig.payment, userId, hold);

    const pass = await recoverNow();

    expect(pass).toEqual({ claimed: 1, bookingUnavailable: false });
    expect(await paymentOf(hold.reservationId)).toMatchObject({ id: paymentId, status: 'COMPLETED' });
    expect(await seatState(rig.booking, hold.reservationId)).toEqual({ reservation: 'CONFIRMED', paymentId, seat: 'RESERVED' });
    expect(await rig.payment.prisma.outboxEvent.count({ where: { key: hold.reservationId } })).toBe(1);
    const money = await moneyOf(rig.payment.prisma, userId);
    expect(money).toMatchObject({ balance: 400_000 - hold.price, completed: hold.price, refunded: 0 });
    expectMoneyBalances(money);
  });

  it('when a crash left a payment PENDING after the deduction and its hold has expired, then recovery refunds it (balance back, REFUND ledger row, no event) and the seat is released', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const paymentId = await crashedAfterDeduction(rig.payment, userId, hold);
    await setHoldExpiry(rig.booking, hold.reservationId, -1_000);

    await recoverNow();

    expect(await paymentOf(hold.reservationId)).toMatchObject({ id: paymentId, status: 'REFUNDED', failureCode: 'BOOKING.RESERVATION_EXPIRED' });
    const money = await moneyOf(rig.payment.prisma, userId);
    expect(money).toMatchObject({ balance: 400_000, paid: hold.price, refunded: hold.price, completed: 0 });
    expectMoneyBalances(money);
    expect(await rig.payment.prisma.outboxEvent.count({ where: { key: hold.reservationId } })).toBe(0);
    expect(await seatState(rig.booking, hold.reservationId)).toEqual({ reservation: 'CANCELLED', paymentId: null, seat: 'AVAILABLE' });
  });

  it('when booking is down during a recovery pass, then nothing is decided and the payment waits PENDING until the threshold passes again; a later pass completes it', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const paymentId = await crashedAfterDeduction(rig.payment, userId, hold);
    rig.proxy.onConfirm = async () => 'drop';

    const down = await recoverNow();
    const during = { payment: await paymentOf(hold.reservationId), money: await moneyOf(rig.payment.prisma, userId) };
    rig.proxy.onConfirm = undefined;
    const tooSoon = await recoverNow();
    await aMinuteLater([paymentId]);
    const up = await recoverNow();

    expect(down).toEqual({ claimed: 1, bookingUnavailable: true });
    // The failed pass renewed the claim: no instance retries it before the threshold passes again.
    expect(tooSoon.claimed).toBe(0);
    expect(during.payment.status).toBe('PENDING');
    expect(during.money).toMatchObject({ balance: 400_000 - hold.price, refunded: 0 });
    expect(up).toEqual({ claimed: 1, bookingUnavailable: false });
    expect((await paymentOf(hold.reservationId)).status).toBe('COMPLETED');
  });

  it('when a PENDING payment is younger than the threshold, then recovery leaves it to its own request', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const paymentId = await crashedAfterDeduction(rig.payment, userId, hold, { crashedAgo: 'now' });

    const pass = await recoverNow();

    expect(pass.claimed).toBe(0);
    expect((await paymentOf(hold.reservationId)).status).toBe('PENDING');
    await aMinuteLater([paymentId]);
    expect((await recoverNow()).claimed).toBe(1); // leave nothing PENDING for the next test
  });

  it('when a replayed request and a recovery pass settle the same payment at the same moment, then it completes once, with one outbox row, and both see the same answer', async () => {
    const userId = await funded(400_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const paymentId = await crashedAfterDeduction(rig.payment, userId, hold);
    const ref = { id: paymentId, reservationId: hold.reservationId, userId, amount: hold.price, correlationId: null };

    const [first, second, pass] = await Promise.all([rig.payment.wiring.settlement.settle(ref), rig.payment.wiring.settlement.settle(ref), recoverNow()]);

    expect(first).toEqual({ kind: 'completed', receipt: { paymentId, reservationId: hold.reservationId, amount: hold.price, status: 'COMPLETED' } });
    expect(second).toEqual(first);
    expect(pass.claimed).toBe(1);
    expect(await rig.payment.prisma.outboxEvent.count({ where: { key: hold.reservationId } })).toBe(1);
    expectMoneyBalances(await moneyOf(rig.payment.prisma, userId));
  });

  it('when two payment instances run recovery at the same time over 12 crashed payments, then each payment is settled exactly once: live holds completed, expired ones refunded', async () => {
    const other = await startPayment({ bookingUrl: rig.proxy.url, bookingToken: BOOKING_TOKEN, schema: rig.payment.schema });
    try {
      const userId = await funded(5_000_000);
      const holds: Hold[] = [];
      for (let i = 0; i < 12; i++) holds.push(await holdSeat(rig.booking, userId, rig.nextSeat()));
      for (const hold of holds) await crashedAfterDeduction(rig.payment, userId, hold);
      const expired = holds.filter((_, i) => i % 3 === 0);
      for (const hold of expired) await setHoldExpiry(rig.booking, hold.reservationId, -1_000);

      const passes = await Promise.all([recoverNow(rig.payment), recoverNow(other), recoverNow(rig.payment), recoverNow(other)]);

      expect(passes.reduce((n, p) => n + p.claimed, 0)).toBe(12);
      const rows = await rig.payment.prisma.payment.findMany({ where: { userId } });
      const expiredIds = new Set(expired.map((h) => h.reservationId));
      expect(rows.map((r) => [r.reservationId, r.status]).sort()).toEqual(holds.map((h) => [h.reservationId, expiredIds.has(h.reservationId) ? 'REFUNDED' : 'COMPLETED']).sort());
      expect(await rig.payment.prisma.outboxEvent.count({ where: { key: { in: holds.map((h) => h.reservationId) } } })).toBe(8);
      expect(await rig.payment.prisma.ledgerEntry.count({ where: { userId, type: 'REFUND' } })).toBe(4);
      const money = await moneyOf(rig.payment.prisma, userId);
      expect(money.completed).toBe(holds.filter((h) => !expiredIds.has(h.reservationId)).reduce((n, h) => n + h.price, 0));
      expectMoneyBalances(money);
    } finally {
      await other.close();
    }
  });
});
